package cmd

import (
	"testing"

	"github.com/uptake-dev/uptake/metrics"
)

// FuzzParseConfig: any bytes are a config or a usage error with lines,
// never a panic.
func FuzzParseConfig(f *testing.F) {
	f.Add(demoConfig)
	f.Add([]byte("input:\n  files: [a.csv]\nmetrics:\n  - metric: activation\n    activation-event: [a, b]\n"))
	f.Add([]byte("metrics: {a: 1}\nchecks: [1, 2]\n"))
	f.Add([]byte("- 1\n- 2\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, errs, err := parseConfig("f.yaml", data)
		if err != nil || cfg == nil {
			return
		}
		_ = errs.err()
		for _, m := range cfg.metrics {
			metrics.Lookup(m.metric)
		}
	})
}

// FuzzSplitEvents: the names of a comma list hold no comma outside
// brackets and no surrounding space.
func FuzzSplitEvents(f *testing.F) {
	for _, s := range []string{"a,b", "e[x ~ (a,b)],c", " a , ,b ", "x[,y", "]a,b["} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, n := range metrics.SplitEvents(s) {
			if n == "" {
				t.Fatalf("%q: an empty name", s)
			}
		}
	})
}
