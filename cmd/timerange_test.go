package cmd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeCSV writes a test input and returns its path.
func writeCSV(t *testing.T, name, data string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// Every time flag at the edges of the range is taken, and just beyond is
// a usage error that says so, never a wrapped time.
func TestTimeFlagRange(t *testing.T) {
	const beyond = ` is outside the supported time range, 1678-01-01 to 2262-01-01 (UTC)`
	for _, tt := range []struct {
		flags  []string
		stderr string // first line; "" = exit 0
	}{
		{[]string{"--to", "2262-01-01"}, ""},
		{[]string{"--as-of", "2262-01-01T00:00:00Z"}, ""},
		{[]string{"--from", "1678-01-01"}, ""},
		{[]string{"--since", "1678-01-01T00:00:00Z"}, ""},
		{[]string{"--to", "2262-01-01T00:00:00.000000001Z"}, `--to "2262-01-01T00:00:00.000000001Z": 2262-01-01T00:00:00.000000001Z` + beyond},
		{[]string{"--to", "9999-12-31"}, `--to "9999-12-31": 9999-12-31T00:00:00Z` + beyond},
		{[]string{"--as-of", "3000-01-01"}, `--as-of "3000-01-01": 3000-01-01T00:00:00Z` + beyond},
		{[]string{"--from", "1677-12-31"}, `--from "1677-12-31": 1677-12-31T00:00:00Z` + beyond},
		{[]string{"--since", "0001-01-01T00:00:00Z"}, `--since "0001-01-01T00:00:00Z": 0001-01-01T00:00:00Z` + beyond},
		// a date is read in --tz: midnight in New York is 05:00 UTC
		{[]string{"--to", "2262-01-01", "--tz", "America/New_York"}, `--to "2262-01-01": 2262-01-01T05:00:00Z` + beyond},
		{[]string{"--from", "1678-01-01", "--tz", "Asia/Tokyo"}, `--from "1678-01-01": 1677-12-31T14:41:01Z` + beyond}, // Tokyo's local mean time
	} {
		args := append([]string{"activation", "--demo", "--activation-event", "report_created", "--format", "json"}, tt.flags...)
		code, out, errOut := run(t, false, args...)
		if tt.stderr == "" {
			if code != ExitOK {
				t.Errorf("%v: exit %d: %s", tt.flags, code, errOut)
			}
			continue
		}
		if first := strings.SplitN(errOut, "\n", 2)[0]; code != ExitUsage || first != "uptake: "+tt.stderr || out != "" {
			t.Errorf("%v: exit %d, stderr %q\nwant exit 2, %q", tt.flags, code, first, tt.stderr)
		}
	}
}

// A window that ends beyond the range is not complete at any as_of (the
// end used to wrap round to the distant past: complete, and empty).
func TestWindowBeyondRange(t *testing.T) {
	in := writeCSV(t, "far.csv", "user_id,event,timestamp\nu1,signup,2200-01-01T00:00:00Z\nu1,report_created,2200-01-02T00:00:00Z\nu2,signup,2200-01-03T00:00:00Z\n")
	var env struct {
		Result struct {
			Eligible int64 `json:"eligible"`
			Excluded struct {
				Censored int64 `json:"censored"`
			} `json:"excluded"`
		} `json:"result"`
	}
	runJSON(t, &env, "activation", in, "--signup-event", "signup", "--activation-event", "report_created", "--within", "50000d", "--as-of", "2262-01-01")
	if r := env.Result; r.Eligible != 0 || r.Excluded.Censored != 2 {
		t.Errorf("eligible %d, censored %d; want 0 and 2", r.Eligible, r.Excluded.Censored)
	}
}

// When the time column holds dates only, as_of is the start of the day
// after the last date, so the last month is complete; params and inspect
// say which rule was used, and dates are not naive timestamps. A single
// date-time keeps the old rule (and its warning).
func TestDateOnlyAsOf(t *testing.T) {
	for _, tt := range []struct {
		name, data, tz   string
		asOf, rule, june string
		warnings         []string // naive_* codes
	}{
		{name: "ISO dates", data: "user_id,event,date\nu1,order,2024-05-03\nu2,order,2024-06-01\nu1,order,2024-06-30\n",
			asOf: "2024-07-01T00:00:00Z", rule: "start of the day after the last date (the times are dates only)", june: "complete"},
		{name: "YYYYMMDD, as in CDNOW", data: "customer_id,event,date\n1,purchase,19980503\n2,purchase,19980601\n1,purchase,19980630\n",
			asOf: "1998-07-01T00:00:00Z", rule: "start of the day after the last date (the times are dates only)", june: "complete"},
		{name: "dates in New York", tz: "America/New_York", data: "user_id,event,date\nu1,order,2024-05-03\nu2,order,2024-06-01\nu1,order,2024-06-30\n",
			asOf: "2024-07-01T04:00:00Z", rule: "start of the day after the last date (the times are dates only)", june: "complete"},
		{name: "one date-time", data: "user_id,event,date\nu1,order,2024-05-03\nu2,order,2024-06-01\nu1,order,2024-06-30 10:00\n",
			asOf: "2024-06-30T10:00:00.000000001Z", rule: "1 ns after the last event", june: "incomplete",
			warnings: []string{"naive_timestamps_read_as_utc"}},
	} {
		in := writeCSV(t, "d.csv", tt.data)
		tz := tt.tz
		if tz == "" {
			tz = "UTC"
		}
		var env struct {
			Params map[string]any `json:"params"`
			Result struct {
				Cohorts []struct {
					Cohort  string `json:"cohort"`
					Periods []struct {
						Status string `json:"status"`
					} `json:"periods"`
				} `json:"cohorts"`
			} `json:"result"`
			Warnings []struct {
				Code string `json:"code"`
			} `json:"warnings"`
		}
		runJSON(t, &env, "retention", in, "--period", "month", "--assume-tz", tz, "--tz", tz)
		june := ""
		for _, c := range env.Result.Cohorts {
			if c.Cohort == "2024-06" || c.Cohort == "1998-06" {
				june = c.Periods[0].Status
			}
		}
		var codes []string
		for _, w := range env.Warnings {
			if strings.HasPrefix(w.Code, "naive_") {
				codes = append(codes, w.Code)
			}
		}
		if env.Params["as_of"] != tt.asOf || env.Params["as_of_rule"] != tt.rule || june != tt.june || strings.Join(codes, ",") != strings.Join(tt.warnings, ",") {
			t.Errorf("%s: as_of %v (%v), June %q, warnings %v\nwant %s (%s), %q, %v", tt.name,
				env.Params["as_of"], env.Params["as_of_rule"], june, codes, tt.asOf, tt.rule, tt.june, tt.warnings)
		}
		var insp struct {
			Result struct {
				DatesOnly bool   `json:"dates_only"`
				AsOfRule  string `json:"as_of_rule"`
			} `json:"result"`
		}
		runJSON(t, &insp, "inspect", in, "--assume-tz", tz)
		if insp.Result.AsOfRule != tt.rule || insp.Result.DatesOnly != (tt.june == "complete") {
			t.Errorf("%s: inspect says %q, dates only %v", tt.name, insp.Result.AsOfRule, insp.Result.DatesOnly)
		}
	}
	// --as-of given: the rule says so
	var env struct {
		Params map[string]any `json:"params"`
	}
	runJSON(t, &env, "retention", "--demo", "--as-of", "2024-07-01")
	if env.Params["as_of_rule"] != "--as-of" {
		t.Errorf("as_of_rule %v with --as-of", env.Params["as_of_rule"])
	}
}

// Wall times that DST skips or repeats in --assume-tz are warned about,
// with the first of each.
func TestLocalTimeWarnings(t *testing.T) {
	in := writeCSV(t, "dst.csv", "user_id,event,time\nu1,a,2024-03-10 01:59\nu1,b,2024-03-10 02:30\nu2,a,2024-03-10 02:45\nu2,b,2024-11-03 01:30\n")
	code, _, errOut := run(t, false, "inspect", in, "--assume-tz", "America/New_York", "--format", "csv")
	want := "warning: 4 timestamps had no zone and were read as America/New_York (set the zone with --assume-tz) [naive_timestamps_read_in_assumed_zone]\n" +
		"warning: 2 local times do not exist in their zone (the clocks skipped them at a DST change) and were moved forward by the gap, which can reorder events; first: " + in + ":3: \"2024-03-10 02:30\" [nonexistent_local_times]\n" +
		"warning: 1 local times occur twice in their zone (the clocks repeated them at a DST change) and were read as the first; first: " + in + ":5: \"2024-11-03 01:30\" [ambiguous_local_times]\n"
	if code != ExitOK || errOut != want {
		t.Errorf("exit %d, stderr\n%s\nwant\n%s", code, errOut, want)
	}
}
