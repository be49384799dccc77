package sqlgen

import "strings"

// Query is a chain of named subqueries (a WITH clause) and a final
// SELECT: each metric writes its query as steps a reader can follow.
type Query struct {
	D    Dialect
	ctes []cte
}

// NewQuery starts a query in dialect d.
func NewQuery(d Dialect) *Query { return &Query{D: d} }

type cte struct{ name, body string }

// With adds the step name, the query body, and returns name.
func (q *Query) With(name, body string) string {
	q.ctes = append(q.ctes, cte{name, body})
	return name
}

// Has says whether a step called name was added.
func (q *Query) Has(name string) bool {
	for _, c := range q.ctes {
		if c.name == name {
			return true
		}
	}
	return false
}

// SQL is the whole query ending in the final SELECT, laid out one step
// per block, ending in a semicolon and a newline.
func (q *Query) SQL(final string) string {
	var b strings.Builder
	for i, c := range q.ctes {
		if i == 0 {
			b.WriteString("WITH ")
		} else {
			b.WriteString(",\n")
		}
		b.WriteString(c.name + " AS (\n" + indent(strings.TrimSpace(c.body)) + "\n)")
	}
	if len(q.ctes) > 0 {
		b.WriteString("\n")
	}
	b.WriteString(strings.TrimSpace(final))
	if set := q.D.Settings(); set != "" {
		b.WriteString("\n" + set)
	}
	b.WriteString(";\n")
	return b.String()
}

func indent(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = "  " + l
		}
	}
	return strings.Join(lines, "\n")
}

// Lines joins non-empty lines, for building a body out of optional parts.
func Lines(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, "\n")
}

// And joins the non-empty conditions with AND ("TRUE" when none).
func And(conds ...string) string {
	var out []string
	for _, c := range conds {
		if c != "" {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		return "TRUE"
	}
	return strings.Join(out, " AND ")
}
