package cmd

import (
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// FuzzMetricArg: the --metric that compare finds before parsing is the
// one the flag parser then reads (when it reads the arguments at all).
func FuzzMetricArg(f *testing.F) {
	for _, s := range []string{"--metric activation --within 7d", "--metric=nps x.csv", "--where --metric --metric funnel", "-- --metric x", "--metric", "--metric a --metric b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		args := strings.Fields(s)
		name, err := metricArg(args)
		fs := pflag.NewFlagSet("compare", pflag.ContinueOnError)
		fs.ParseErrorsAllowlist.UnknownFlags = true
		fs.SetOutput(new(strings.Builder))
		var metric, where string
		fs.StringVar(&metric, "metric", "", "")
		fs.StringVar(&where, "where", "", "")
		if fs.Parse(args) != nil || err != nil {
			return
		}
		if name != metric && !strings.Contains(where, "--metric") {
			t.Fatalf("%q: metricArg %q, the parser %q", args, name, metric)
		}
	})
}
