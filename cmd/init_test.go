package cmd

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestInitDemo(t *testing.T) {
	code, out, errOut := run(t, false, "init", "--demo")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	golden(t, "init_demo", out)
}

// runConfig runs every metric of the config at path in-process and
// returns how many there were.
func runConfig(t *testing.T, path string) int {
	t.Helper()
	cfg, err := loadConfig(path)
	if err != nil {
		t.Fatalf("the config init wrote does not load: %v", err)
	}
	for _, m := range cfg.metrics {
		if code, _, errOut := run(t, false, m.metric, "--config", path, "--metric", m.name); code != ExitOK {
			t.Errorf("%s --metric %s: exit %d: %s", m.metric, m.name, code, errOut)
		}
	}
	return len(cfg.metrics)
}

// TestInitConfigsRun writes the config of the demo and of every sample
// export, then runs each metric it holds: each must exit 0. Survey files and
// identity tables are no event exports: init says so.
func TestInitConfigsRun(t *testing.T) {
	samples, err := filepath.Glob("../testdata/formats/*")
	if err != nil || len(samples) == 0 {
		t.Fatal("no samples", err)
	}
	notEvents := map[string]string{
		"delighted.csv":                     "reads as a survey file",
		"delighted_api.json":                "reads as a survey file",
		"intercom_conversations.jsonl":      "reads as a survey file",
		"zendesk_satisfaction_ratings.json": "reads as a survey file",
		"qualtrics.csv":                     "looks like a survey export",
		"surveymonkey.csv":                  "looks like a survey export",
		"typeform.csv":                      "looks like a survey export",
		"heap_users.csv":                    "no events in the input (4 rows read)",
	}
	cases := [][]string{{"--demo"}, {"../testdata/formats/heap_all_events.csv", "../testdata/formats/heap_users.csv"}}
	for _, s := range samples {
		cases = append(cases, []string{s})
	}
	for _, args := range cases {
		t.Run(filepath.Base(args[0]), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "uptake.yaml")
			code, out, errOut := run(t, false, append([]string{"init", "-o", path}, args...)...)
			if want, ok := notEvents[filepath.Base(args[0])]; ok {
				if code != ExitError || !strings.Contains(errOut, want) || out != "" {
					t.Fatalf("exit %d, stdout %q, stderr %q; want exit 1 saying %q", code, out, errOut, want)
				}
				return
			}
			if code != ExitOK || out != "" {
				t.Fatalf("exit %d, stdout %q: %s", code, out, errOut)
			}
			// retention ×2, engagement, lifecycle and churn at least
			if n := runConfig(t, path); n < 5 {
				t.Errorf("%d metrics, want at least the 5 activity metrics", n)
			}
			// and report runs them all from one read
			if code, _, errOut := run(t, false, "report", "--config", path, "-q", "--format", "json"); code != ExitOK {
				t.Errorf("report --config: exit %d: %s", code, errOut)
			}
		})
	}
}

// guessCSV is an export whose guesses are known: 10 users sign up on
// 2024-03-01 and are all seen until day 20 (every first week complete).
//
//	onboarding_started     10 users at +10m  \
//	profile_completed       8 users at +1h    > steps, in this order
//	onboarding_completed    6 users at +3h   /
//	report: created #1      5 users at +1d   50%, a making verb: activation
//	export_done             6 users at +2d   60%, no such verb
//	teammate_invited        1 user  at +2d   10%: below the band
//	project_created         9 users at +1d   90%: above the band
//	feature_used            9 users at +1d   passive
//	nps_response  scores 0..9 (users 0-9), csat_response 1..7 (users 0-6),
//	ces_response  one score 9.5 (invalid on every CES scale), amount on invoices
func guessCSV(signup string) string {
	var b strings.Builder
	b.WriteString("timestamp,user_id,event,score,amount\n")
	t0 := time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC)
	row := func(u int, after time.Duration, event, score, amount string) {
		fmt.Fprintf(&b, "%s,u%d,%q,%s,%s\n", t0.Add(time.Duration(u)*time.Minute+after).Format(time.RFC3339), u, event, score, amount)
	}
	for u := range 10 {
		row(u, 0, signup, "", "")
		row(u, 10*time.Minute, "onboarding_started", "", "")
		row(u, 20*24*time.Hour, "session_started", "", "")
		row(u, 3*24*time.Hour, "nps_response", fmt.Sprint(u), "")
		for _, e := range []struct {
			name  string
			users int
			after time.Duration
		}{
			{"profile_completed", 8, time.Hour}, {"onboarding_completed", 6, 3 * time.Hour},
			{"report: created #1", 5, 24 * time.Hour}, {"export_done", 6, 48 * time.Hour}, {"teammate_invited", 1, 48 * time.Hour},
			{"project_created", 9, 24 * time.Hour}, {"feature_used", 9, 24 * time.Hour},
		} {
			if u < e.users {
				row(u, e.after, e.name, "", "")
			}
		}
		if u < 7 {
			row(u, 4*24*time.Hour, "csat_response", fmt.Sprint(u+1), "")
			row(u, 5*24*time.Hour, "invoice_paid", "", "12.50")
		}
	}
	row(0, 4*24*time.Hour, "ces_response", "9.5", "")
	return b.String()
}

func writeTemp(t *testing.T, name, data string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestInitGuesses(t *testing.T) {
	path := writeTemp(t, "events.csv", guessCSV("Account Created"))
	code, out, errOut := run(t, false, "init", path)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"    steps: onboarding_started,profile_completed,onboarding_completed # guess: events named like onboarding steps, in the order of their median time after signup (10m, 1.0h, 3.0h)\n",
		"    signup-event: Account Created # guess: named like a signup; 10 users\n",
		"    activation-event: 'report: created #1' # guess: 50% of 10 users did it within 7d of signup;",
		"    event: nps_response # guess: named like NPS answers; 10 answers, scores 0 to 9\n",
		"    event: csat_response # guess: named like CSAT answers; 7 answers, scores 1 to 7\n    score-prop: score\n    scale: 1-7 # guess:",
		"  amount: amount # guess: named like money; on 7 events: rows carrying it are purchases\n",
		"  - name: repeat\n    metric: repeat\n  - name: revenue\n    metric: revenue\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
	if strings.Contains(out, "ces_response") {
		t.Errorf("ces item for a score (9.5) on no CES scale:\n%s", out)
	}
	cfgPath := writeTemp(t, "uptake.yaml", out)
	if n := runConfig(t, cfgPath); n != 11 {
		t.Errorf("%d metrics, want onboarding, activation, 5 activity metrics, nps, csat, repeat and revenue", n)
	}
}

func TestInitNoSignup(t *testing.T) {
	// the first event is each user's signup: no signup-event is written
	code, out, errOut := run(t, false, "init", writeTemp(t, "events.csv", guessCSV("landed")))
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if strings.Contains(out, "signup-event") || !strings.Contains(out, "# No event is named like a signup: each user's first event is their signup.\n") ||
		!strings.Contains(out, "within 7d of their first event") {
		t.Errorf("want no signup-event and the note:\n%s", out)
	}
}

// TestInitHostileNames: event names holding YAML syntax, quotes, line
// breaks and control characters are written so that they read back as
// themselves, and the file holds no raw control character.
func TestInitHostileNames(t *testing.T) {
	names := map[string]string{ // the guessCSV name → a hostile one
		"Account Created":      "sign_up: \"new\"\n#1 - true",
		"onboarding_started":   "onboarding_started: #a",
		"onboarding_completed": "onboarding_completed \x1b[31mred",
		"report: created #1":   "- report: created 'x' \u2028 #1",
	}
	data := guessCSV("Account Created")
	for from, to := range names {
		data = strings.ReplaceAll(data, fmt.Sprintf("%q", from), `"`+strings.ReplaceAll(to, `"`, `""`)+`"`)
	}
	path := writeTemp(t, "events.csv", data)
	code, out, errOut := run(t, false, "init", path)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, r := range out {
		if r < 0x20 && r != '\n' || r == 0x7f || r == '\u2028' {
			t.Fatalf("raw control character %q in\n%s", r, out)
		}
	}
	cfgPath := writeTemp(t, "uptake.yaml", out)
	cfg, err := loadConfig(cfgPath)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	got := map[string]string{}
	for _, m := range cfg.metrics {
		for _, s := range m.settings {
			got[m.name+" "+s.key] = strings.Join(s.values, "|")
		}
	}
	want := map[string]string{
		"onboarding steps":            names["onboarding_started"] + ",profile_completed," + names["onboarding_completed"],
		"onboarding signup-event":     names["Account Created"],
		"activation activation-event": names["report: created #1"],
		"activation signup-event":     names["Account Created"],
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: read back %q, want %q\n%s", k, got[k], v, out)
		}
	}
	runConfig(t, cfgPath)
}

func TestInitInputFlags(t *testing.T) {
	path := writeTemp(t, "events.csv", guessCSV("signup"))
	code, out, errOut := run(t, false, "init", "-q", "--assume-tz", "Europe/Berlin", "--where", "event != x", "--where", "user_id != u99", "--dedup", "exact", path)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	want := "input:\n  files:\n    - " + path + "\n  assume-tz: Europe/Berlin\n  dedup: exact\n  where:\n    - event != x\n    - user_id != u99\n  amount: amount # guess:"
	if !strings.Contains(out, want) {
		t.Errorf("want %q in\n%s", want, out)
	}
	runConfig(t, writeTemp(t, "uptake.yaml", out))
}

func TestInitOutputFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "uptake.yaml")
	if err := os.WriteFile(path, []byte("mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, false, "init", "--demo", "-o", path)
	// refused before the export is read: a usage error
	if code != ExitUsage || out != "" || !strings.HasPrefix(errOut, "uptake: "+path+" exists: give --force to overwrite it\n") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if b, _ := os.ReadFile(path); string(b) != "mine\n" {
		t.Fatalf("the file was changed: %q", b)
	}
	if code, _, errOut := run(t, false, "init", "--demo", "-o", path, "--force"); code != ExitOK {
		t.Fatalf("--force: exit %d: %s", code, errOut)
	}
	_, demo, _ := run(t, false, "init", "--demo")
	if b, _ := os.ReadFile(path); strings.ReplaceAll(string(b), path, "uptake.yaml") != demo {
		t.Errorf("-o wrote\n%s\nwant the stdout of init --demo", b)
	}
}
