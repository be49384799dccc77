package cmd

import (
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/uptake-dev/uptake/metrics"
)

// bindSettings adds a flag for every `flag`-tagged field of the struct s
// points to (and of the structs it embeds), so the command line sets the
// metric's settings directly. usage overrides a field's `usage` tag by flag
// name; a `required:"true"` field's flag must be given. The same flags read
// a config file's keys (see apply). The returned check reports the
// first value a pflag.Value field refused (see lateValue).
func bindSettings(cmd *cobra.Command, s any, usage map[string]string) (check func() error) {
	return bindSettingsExcept(cmd, s, usage, nil)
}

// bindSettingsExcept is bindSettings without the flags named in skip
// (settings compare does not read: metrics.Info.CompareSkip).
func bindSettingsExcept(cmd *cobra.Command, s any, usage map[string]string, skip []string) (check func() error) {
	fs := cmd.Flags()
	var late []*lateValue
	var required []string
	eachSetting(reflect.ValueOf(s).Elem(), func(f reflect.StructField, v reflect.Value) {
		name := f.Tag.Get("flag")
		if slices.Contains(skip, name) {
			return
		}
		help := f.Tag.Get("usage")
		if u, ok := usage[name]; ok {
			help = u
		}
		switch p := v.Addr().Interface().(type) {
		case *metrics.Choice:
			enumFlag(cmd, &p.Value, name, p.Value, strings.Split(f.Tag.Get("enum"), ","), help)
			fl := fs.Lookup(name)
			fl.Value = givenValue{fl.Value, &p.Given}
		case metrics.FileSetting:
			lv := &lateValue{Value: &fileValue{to: p}, flag: "--" + name}
			late = append(late, lv)
			fs.Var(lv, name, help)
		case pflag.Value:
			lv := &lateValue{Value: p, flag: "--" + name}
			late = append(late, lv)
			fs.Var(lv, name, help)
		case *string:
			if enum, ok := f.Tag.Lookup("enum"); ok {
				enumFlag(cmd, p, name, *p, strings.Split(enum, ","), help)
			} else {
				fs.StringVar(p, name, *p, help)
			}
		case *[]string:
			if f.Tag.Get("list") == "comma" {
				fs.Var(&eventList{p: p}, name, help)
			} else {
				fs.StringArrayVar(p, name, *p, help)
			}
		case *int:
			fs.IntVar(p, name, *p, help)
		case *float64:
			fs.Float64Var(p, name, *p, help)
		case *bool:
			fs.BoolVar(p, name, *p, help)
		default:
			panic(fmt.Sprintf("settings field %s (--%s): unsupported type %s", f.Name, name, f.Type))
		}
		if f.Tag.Get("required") == "true" {
			required = append(required, name)
		}
	})
	return func() error {
		for _, v := range late {
			if v.err != nil {
				return v.err
			}
		}
		// checked here, not by cobra, since a config file may set them
		var missing []string
		for _, name := range required {
			if !fs.Changed(name) {
				missing = append(missing, `"`+name+`"`)
			}
		}
		if len(missing) > 0 {
			return fmt.Errorf("required flag(s) %s not set", strings.Join(missing, ", "))
		}
		return nil
	}
}

// lateValue holds a value's error until the command runs, so that it reads
// like the metric's own checks (--within "7": want a duration ...) rather
// than pflag's "invalid argument" and, as with a string flag, a later use
// of the flag replaces an earlier one.
type lateValue struct {
	pflag.Value
	flag string
	err  error
}

func (v *lateValue) Set(s string) error {
	v.err = nil
	if err := v.Value.Set(s); err != nil {
		v.err = fmt.Errorf("%s %q: %w", v.flag, s, err)
	}
	return nil
}

// fileValue is a setting that names a file (metrics.FileSetting): the
// flag reads the file, since metrics do no I/O, and the setting parses its
// bytes. A file that cannot be read or parsed is a bad flag value, as a bad
// --config is: a usage error naming file:line.
type fileValue struct {
	to   metrics.FileSetting
	path string
}

func (f *fileValue) Set(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := f.to.SetFile(path, data); err != nil {
		return err
	}
	f.path = path
	return nil
}

func (f *fileValue) String() string { return f.path }
func (f *fileValue) Type() string   { return "file" }

// givenValue is a flag that marks its Choice given once set.
type givenValue struct {
	pflag.Value
	given *bool
}

func (g givenValue) Set(v string) error {
	if err := g.Value.Set(v); err != nil {
		return err
	}
	*g.given = true
	return nil
}

// eventList is a list of event names given comma-separated or by repeating
// the flag (metrics.SplitEvents: a comma inside a selector's brackets
// stays); the first use replaces the default.
type eventList struct {
	p   *[]string
	set bool
}

func (l *eventList) Set(v string) error {
	if !l.set {
		*l.p, l.set = nil, true
	}
	*l.p = append(*l.p, metrics.SplitEvents(v)...)
	return nil
}

func (l *eventList) String() string { return strings.Join(*l.p, ",") }
func (l *eventList) Type() string   { return "strings" }

// eachSetting calls fn for every flag-tagged field of the struct v,
// embedded structs' fields included.
func eachSetting(v reflect.Value, fn func(reflect.StructField, reflect.Value)) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		switch {
		case f.Tag.Get("flag") != "":
			fn(f, v.Field(i))
		case f.Anonymous && f.Type.Kind() == reflect.Struct:
			eachSetting(v.Field(i), fn)
		}
	}
}
