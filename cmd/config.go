package cmd

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/spf13/pflag"
	"go.yaml.in/yaml/v3"
)

// A config file keeps a team's metric definitions (docs/config.md):
//
//	input:            # any input flag by its long name, and files:
//	  files: [events.csv.gz]
//	  assume-tz: Europe/Berlin
//	metrics:          # each: a name, a metric (a command), its flags
//	  - name: activation-48h
//	    metric: activation
//	    activation-event: report_created
//	    within: 48h
//	checks: [...]     # read by uptake check
//
// Keys are the flags' own long names, so every command line has one config
// spelling. Values are set through the same flags, so they are parsed and
// checked exactly as on the command line.

// config is a parsed config file.
type config struct {
	path    string
	files   []string
	input   []setting
	metrics []configMetric
	checks  *yaml.Node
}

// configMetric is one item of metrics:.
type configMetric struct {
	name, metric string
	line         int // of the item
	metricLine   int // of its metric: key
	settings     []setting
}

// setting is a key and its value(s), at a line of the file.
type setting struct {
	key    string
	values []string
	line   int
}

// configErrors are every problem found in a config file.
type configErrors struct {
	path string
	errs []configError
}

type configError struct {
	line int
	msg  string
}

func (e *configErrors) add(line int, format string, args ...any) {
	e.errs = append(e.errs, configError{line, fmt.Sprintf(format, args...)})
}

// err is every problem, one a line, in the order of the file's lines.
func (e *configErrors) err() error {
	if len(e.errs) == 0 {
		return nil
	}
	slices.SortStableFunc(e.errs, func(a, b configError) int { return a.line - b.line })
	lines := make([]string, len(e.errs))
	for i, x := range e.errs {
		lines[i] = fmt.Sprintf("%s:%d: %s", e.path, x.line, x.msg)
	}
	return &usageError{linesError(lines)}
}

// loadConfig reads and parses a config file; its errors are usage errors
// (exit 2), all of them at once, with line numbers.
func loadConfig(path string) (*config, error) {
	cfg, errs, err := readConfig(path)
	if err != nil {
		return nil, err
	}
	return cfg, errs.err()
}

// readConfig reads a config file and parses what it can: errs holds what
// is wrong, for the caller to add its own findings to. err is a file that
// cannot be read or is no YAML at all.
func readConfig(path string) (*config, *configErrors, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, &usageError{fmt.Errorf("--config: %w", err)}
	}
	return parseConfig(path, data)
}

func parseConfig(path string, data []byte) (*config, *configErrors, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, nil, &usageError{fmt.Errorf("%s: not a YAML config: %v", path, err)}
	}
	errs := &configErrors{path: path}
	cfg := &config{path: path}
	if len(root.Content) == 0 {
		return nil, nil, &usageError{fmt.Errorf("%s: empty config: it needs metrics:", path)}
	}
	doc := root.Content[0]
	if doc.Kind != yaml.MappingNode {
		errs.add(doc.Line, "a config is a mapping with input:, metrics: and checks:")
		return nil, nil, errs.err()
	}
	for i := 0; i+1 < len(doc.Content); i += 2 {
		k, v := doc.Content[i], doc.Content[i+1]
		switch k.Value {
		case "input":
			cfg.input = settings(v, errs, func(s setting) bool {
				if s.key == "files" {
					cfg.files = s.values
					return false
				}
				return true
			})
		case "metrics":
			if v.Kind != yaml.SequenceNode {
				errs.add(v.Line, "metrics: is a list of metrics (- name: …, metric: …)")
				continue
			}
			seen := map[string]int{}
			for _, item := range v.Content {
				m := configMetric{line: item.Line}
				m.settings = settings(item, errs, func(s setting) bool {
					switch s.key {
					case "name":
						m.name = strings.Join(s.values, ",")
					case "metric":
						m.metric = strings.Join(s.values, ",")
						m.metricLine = s.line
					default:
						return true
					}
					return false
				})
				if m.metric == "" {
					errs.add(m.line, "a metric needs metric: (the command it runs, such as activation)")
				}
				if m.name == "" {
					m.name = m.metric
				}
				if l, dup := seen[m.name]; dup {
					errs.add(m.line, "a second metric named %q (the first is at line %d): give each a name:", m.name, l)
				}
				seen[m.name] = m.line
				cfg.metrics = append(cfg.metrics, m)
			}
		case "checks":
			cfg.checks = v
		default:
			errs.add(k.Line, "unknown key %q (a config has input:, metrics: and checks:)", k.Value)
		}
	}
	return cfg, errs, nil
}

// settings reads a mapping of flag names to values (a scalar, or a list
// for repeatable flags); keep says which go in the result.
func settings(n *yaml.Node, errs *configErrors, keep func(setting) bool) []setting {
	if n.Kind != yaml.MappingNode {
		errs.add(n.Line, "expected keys and values (flag: value)")
		return nil
	}
	var out []setting
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		s := setting{key: k.Value, line: k.Line}
		if l, dup := seen[s.key]; dup {
			errs.add(k.Line, "%s given twice (first at line %d)", s.key, l)
			continue
		}
		seen[s.key] = k.Line
		switch {
		case v.Kind == yaml.ScalarNode && v.Tag == "!!null":
			errs.add(v.Line, "%s: no value (leave the key out for the default)", s.key)
			continue
		case v.Kind == yaml.ScalarNode:
			s.values = []string{v.Value}
		case v.Kind == yaml.SequenceNode:
			for _, e := range v.Content {
				if e.Kind != yaml.ScalarNode {
					errs.add(e.Line, "%s: a list of plain values is expected", s.key)
					continue
				}
				s.values = append(s.values, e.Value)
			}
		default:
			errs.add(v.Line, "%s: expected a value or a list of values", s.key)
			continue
		}
		if keep(s) {
			out = append(out, s)
		}
	}
	return out
}

// apply sets each setting through its flag in fs, as if given on the
// command line, except flags the command line did give (they win). Unknown
// keys and bad values are added to errs.
func apply(fs *pflag.FlagSet, ss []setting, errs *configErrors, what string) {
	for _, s := range ss {
		f := fs.Lookup(s.key)
		if f == nil || f.Hidden || s.key == "config" || s.key == "metric" || s.key == "help" {
			msg := fmt.Sprintf("%s has no setting %q", what, s.key)
			if near := suggest(s.key, flagNames(fs)); len(near) > 0 {
				msg += "; did you mean " + orList(near) + "?"
			}
			errs.add(s.line, "%s", msg)
			continue
		}
		if f.Changed {
			continue
		}
		for _, v := range s.values {
			// the value's own Set: fs.Set would frame the error as a flag's
			err := f.Value.Set(v)
			if lv, ok := f.Value.(*lateValue); ok && err == nil {
				err, lv.err = lv.err, nil // it names the flag and the value
			} else if err != nil {
				err = fmt.Errorf("%s %q: %w", s.key, v, err)
			}
			if err != nil {
				errs.add(s.line, "%v", err)
				break
			}
		}
		f.Changed = true // set, as if given: required settings are checked so
	}
}

func flagNames(fs *pflag.FlagSet) []string {
	var out []string
	fs.VisitAll(func(f *pflag.Flag) {
		if !f.Hidden {
			out = append(out, f.Name)
		}
	})
	return out
}

// metric returns the config's metric named name.
func (c *config) metric(name string) (*configMetric, error) {
	var names []string
	for i := range c.metrics {
		if c.metrics[i].name == name {
			return &c.metrics[i], nil
		}
		names = append(names, c.metrics[i].name)
	}
	msg := fmt.Sprintf("--metric %q: %s has no metric of that name", name, c.path)
	if near := suggest(name, names); len(near) > 0 {
		msg += "; did you mean " + orList(near) + "?"
	}
	return nil, usageErrorf("%s", msg)
}
