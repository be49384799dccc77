package metrics

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// A figure is one number of a metric's JSON result, named by its path:
// fields by their JSON names, list items by [n] (`rate.value`,
// `summary[1].rate.value`, `segments[0].rate.value` with --by). uptake
// check bounds figures; FigurePath checks a path against the result's type,
// so a config's typo is caught before any data is read.

// PathStep is one step of a figure path: a field name, or an index.
type PathStep struct {
	Field string
	Index int // when Field is ""
}

// ParsePath splits a figure path into its steps.
func ParsePath(path string) ([]PathStep, error) {
	var steps []PathStep
	if path == "" {
		return nil, fmt.Errorf("an empty figure path")
	}
	for _, part := range strings.Split(path, ".") {
		name, rest, _ := strings.Cut(part, "[")
		if name == "" {
			return nil, fmt.Errorf("figure %q: a field name is missing before %q", path, "."+part)
		}
		steps = append(steps, PathStep{Field: name})
		for rest != "" {
			idx, after, ok := strings.Cut(rest, "]")
			n, err := strconv.Atoi(idx)
			if !ok || err != nil || n < 0 {
				return nil, fmt.Errorf("figure %q: [%s is not an index such as [0]", path, rest)
			}
			steps = append(steps, PathStep{Index: n})
			rest = strings.TrimPrefix(after, "[")
			if after != "" && !strings.HasPrefix(after, "[") {
				return nil, fmt.Errorf("figure %q: unexpected %q after an index", path, after)
			}
		}
	}
	return steps, nil
}

// FigurePath checks that path names a number of the metric's result (with
// `segments[n].` before it, a segment's).
func (d *Def[S, R]) FigurePath(path string) error {
	steps, err := ParsePath(path)
	if err != nil {
		return err
	}
	if len(steps) >= 2 && steps[0].Field == "segments" && steps[1].Field == "" {
		steps = steps[2:]
		if len(steps) == 0 {
			return fmt.Errorf("figure %q: a segment is an object: name one of its figures (segments[0].…)", path)
		}
	}
	return walkType(reflect.TypeOf((*R)(nil)).Elem(), steps, path, "")
}

// jsonShape is a type whose JSON is not its fields' (it has its own
// MarshalJSON): it names the fields its JSON has and their types.
type jsonShape interface {
	FigureField(name string) (reflect.Type, bool)
	FigureFields() []string
}

// fieldOf is the type of t's field of JSON name name (t a struct, or a
// jsonShape).
func fieldOf(t reflect.Type, name string) (reflect.Type, bool) {
	if sh, ok := reflect.Zero(t).Interface().(jsonShape); ok {
		return sh.FigureField(name)
	}
	for _, f := range jsonFieldList(t) {
		if jsonName(f) == name {
			return f.Type, true
		}
	}
	return nil, false
}

// jsonFieldList are t's fields as JSON writes them: an embedded struct
// without a JSON name gives its fields, which the outer struct's own of
// the same name hide.
func jsonFieldList(t reflect.Type) []reflect.StructField {
	var own, inner []reflect.StructField
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct && f.Tag.Get("json") == "" {
			inner = append(inner, jsonFieldList(f.Type)...)
			continue
		}
		if jsonName(f) != "" {
			own = append(own, f)
		}
	}
	for _, f := range inner {
		if !slices.ContainsFunc(own, func(o reflect.StructField) bool { return jsonName(o) == jsonName(f) }) {
			own = append(own, f)
		}
	}
	return own
}

// fieldsOf are the JSON names of t's fields.
func fieldsOf(t reflect.Type) []string {
	if sh, ok := reflect.Zero(t).Interface().(jsonShape); ok {
		return sh.FigureFields()
	}
	return jsonFields(t)
}

// walkType follows steps through t by JSON names; the end must be a number.
func walkType(t reflect.Type, steps []PathStep, path, at string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if len(steps) == 0 {
		switch t.Kind() {
		case reflect.Int, reflect.Int32, reflect.Int64, reflect.Float64, reflect.Float32:
			return nil
		}
		what := "an object"
		switch t.Kind() {
		case reflect.Slice, reflect.Array:
			what = "a list"
		case reflect.String:
			what = "text"
		case reflect.Bool:
			what = "true or false"
		}
		msg := fmt.Sprintf("figure %q: %s is %s, not a number", path, orResult(at), what)
		if t.Kind() == reflect.Struct {
			if names := fieldsOf(t); len(names) > 0 {
				msg += " (its fields: " + strings.Join(names, ", ") + ")"
			}
		}
		return fmt.Errorf("%s", msg)
	}
	s := steps[0]
	isList := t.Kind() == reflect.Slice || t.Kind() == reflect.Array
	switch {
	case s.Field != "" && isList:
		return fmt.Errorf("figure %q: %s is a list: name an item, %s[0].%s", path, orResult(at), orResult(at), s.Field)
	case s.Field == "" && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array):
		return walkType(t.Elem(), steps[1:], path, fmt.Sprintf("%s[%d]", at, s.Index))
	case s.Field == "":
		return fmt.Errorf("figure %q: %s is not a list", path, orResult(at))
	case t.Kind() == reflect.Map && t.Key().Kind() == reflect.String:
		return walkType(t.Elem(), steps[1:], path, join(at, s.Field))
	case t.Kind() == reflect.Struct:
		if ft, ok := fieldOf(t, s.Field); ok {
			return walkType(ft, steps[1:], path, join(at, s.Field))
		}
		return fmt.Errorf("figure %q: %s has no field %q (its fields: %s)", path, orResult(at), s.Field, strings.Join(fieldsOf(t), ", "))
	}
	return fmt.Errorf("figure %q: %s has no fields", path, orResult(at))
}

func join(at, field string) string {
	if at == "" {
		return field
	}
	return at + "." + field
}

func orResult(at string) string {
	if at == "" {
		return "the result"
	}
	return at
}

// jsonName is a field's JSON name ("" when it is not in the JSON).
func jsonName(f reflect.StructField) string {
	if !f.IsExported() {
		return ""
	}
	tag := f.Tag.Get("json")
	if tag == "-" {
		return ""
	}
	name, _, _ := strings.Cut(tag, ",")
	if name == "" {
		return f.Name
	}
	return name
}

func jsonFields(t reflect.Type) []string {
	var out []string
	for _, f := range jsonFieldList(t) {
		out = append(out, jsonName(f))
	}
	return out
}
