package cmd

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/uptake-dev/uptake/metrics"
)

// The vendor samples all tell one story (docs/formats.md#sample-files): u_1001 and u_1003
// finish the three onboarding steps, u_1002 stops after two and u_1004 after
// one; u_1001 and u_1003 create a project; u_1001 comes back on day 1 and
// day 7, u_1002 on day 2. Each format is read with no mapping flags (the
// vendor is detected, duplicates dropped, anonymous ids stitched) and must
// give the same figures for the users it holds.
func TestVendorStory(t *testing.T) {
	full := story{users: 4, funnel: []int64{4, 4, 3, 2}, activated: [2]int64{2, 4}, returns: map[int]int64{1: 1, 2: 1, 7: 1}}
	for _, tt := range []struct {
		files                       []string
		vendor                      string
		signup, step, project, back string
		want                        story
	}{
		{[]string{"mixpanel.jsonl"}, "mixpanel", "Signed Up", "Onboarding Step Completed", "Project Created", "App Opened", full},
		{[]string{"amplitude.json"}, "amplitude", "Signed Up", "Onboarding Step Completed", "Project Created", "App Opened", full},
		{[]string{"amplitude.json.gz"}, "amplitude", "Signed Up", "Onboarding Step Completed", "Project Created", "App Opened", full},
		{[]string{"segment.jsonl"}, "segment", "Signed Up", "Onboarding Step Completed", "Project Created", "App Opened", full},
		{[]string{"posthog_batch_export.jsonl"}, "posthog", "signed_up", "onboarding_step_completed", "project_created", "$pageview", full},
		{[]string{"posthog.csv"}, "posthog-csv", "signed_up", "onboarding_step_completed", "project_created", "$pageview", full},
		{[]string{"ga4.jsonl"}, "ga4", "sign_up", "onboarding_step", "project_created", "session_start", full},
		{[]string{"ga4_flattened.csv"}, "ga4-csv", "sign_up", "onboarding_step", "project_created", "session_start", full},
		{[]string{"heap_all_events.csv", "heap_users.csv"}, "heap", "account_signed_up", "onboarding_step_completed", "projects_project_created", "engagement_returned_to_app", full},
		// partial renderings of the same story
		{[]string{"rudderstack.jsonl"}, "rudderstack", "Signed Up", "Onboarding Step Completed", "Project Created", "App Opened",
			story{users: 2, funnel: []int64{2, 2, 1, 0}, activated: [2]int64{0, 2}, returns: map[int]int64{2: 1}}}, // u_1002, u_1004
		{[]string{"snowplow_atomic_events.csv"}, "snowplow", "signed_up", "step_completed", "project_created", "page_view",
			story{users: 2, funnel: []int64{2, 2, 2, 1}, activated: [2]int64{1, 2}, returns: map[int]int64{1: 1, 2: 1, 7: 1}}}, // u_1001, u_1002
		{[]string{"segment_warehouse_tracks.csv"}, "segment-warehouse", "Signed Up", "Onboarding Step Completed", "Project Created", "App Opened",
			story{users: 3, funnel: []int64{3, 3, 3, 2}, activated: [2]int64{1, 3}, returns: map[int]int64{1: 1, 2: 1, 7: 1}}}, // u_1001–u_1003
	} {
		t.Run(strings.Join(tt.files, "+"), func(t *testing.T) {
			var files []string
			for _, f := range tt.files {
				files = append(files, filepath.Join("..", "testdata", "formats", f))
			}
			var ins struct {
				Result InspectResult `json:"result"`
			}
			runJSON(t, &ins, append([]string{"inspect"}, files...)...)
			if ins.Result.Vendor != tt.vendor || ins.Result.Users != int64(tt.want.users) {
				t.Errorf("vendor %q users %d, want %q and %d", ins.Result.Vendor, ins.Result.Users, tt.vendor, tt.want.users)
			}
			var fn struct {
				Result struct{ Steps []struct{ Users int64 } }
			}
			runJSON(t, &fn, append(append([]string{"funnel"}, files...), "--steps", strings.Join([]string{tt.signup, tt.step, tt.step, tt.step}, ","),
				"--within", "7d", "--as-of", "2024-04-01")...)
			var got []int64
			for _, s := range fn.Result.Steps {
				got = append(got, s.Users)
			}
			if diff := cmp.Diff(tt.want.funnel, got); diff != "" {
				t.Errorf("onboarding funnel (-want +got)\n%s", diff)
			}
			var act struct {
				Result struct {
					Rate struct{ Numerator, Denominator int64 }
				}
			}
			// rudderstack.jsonl has no project: activation is 0 of 2, with --allow-missing
			runJSON(t, &act, append(append([]string{"activation"}, files...), "--signup-event", tt.signup, "--activation-event", tt.project,
				"--as-of", "2024-04-01", "--allow-missing")...)
			if a := act.Result.Rate; [2]int64{a.Numerator, a.Denominator} != tt.want.activated {
				t.Errorf("activation %d/%d, want %v", a.Numerator, a.Denominator, tt.want.activated)
			}
			var ret struct {
				Result struct{ Summary []struct{ Retained int64 } }
			}
			runJSON(t, &ret, append(append([]string{"retention"}, files...), "--start-event", tt.signup, "--return-event", tt.back,
				"--period", "day", "--periods", "7", "--as-of", "2024-04-01")...)
			returns := map[int]int64{}
			for k, c := range ret.Result.Summary {
				if c.Retained > 0 && k > 0 {
					returns[k] = c.Retained
				}
			}
			if diff := cmp.Diff(tt.want.returns, returns); diff != "" {
				t.Errorf("returns by calendar day (-want +got)\n%s", diff)
			}
		})
	}
}

type story struct {
	users     int
	funnel    []int64
	activated [2]int64
	returns   map[int]int64
}

func runJSON(t *testing.T, v any, args ...string) {
	t.Helper()
	code, out, errOut := run(t, false, append(args, "--format", "json")...)
	if code != ExitOK {
		t.Fatalf("%v: exit %d: %s", args, code, errOut)
	}
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("%v: %v", args, err)
	}
}

// Identity: raw keeps anonymous ids as users; stitching merges them and
// says so; an anonymous id linked to two users is kept apart.
func TestIdentityModes(t *testing.T) {
	mp := filepath.Join("..", "testdata", "formats", "mixpanel.jsonl")
	var raw, st struct {
		Result InspectResult `json:"result"`
	}
	runJSON(t, &raw, "inspect", mp, "--identity", "raw")
	runJSON(t, &st, "inspect", mp)
	if raw.Result.Users != 5 || st.Result.Users != 4 || st.Result.Identity.Merged != 1 || st.Result.Identity.Mode != "stitch" {
		t.Errorf("raw %d users; stitched %d users, identity %+v", raw.Result.Users, st.Result.Users, st.Result.Identity)
	}
	ios, in, outb, errb := Test()
	in.WriteString(`{"type":"identify","messageId":"m1","anonymousId":"a1","userId":"u1","timestamp":"2024-01-01T00:00:00Z","integrations":{},"receivedAt":"2024-01-01T00:00:00Z"}
{"type":"identify","messageId":"m2","anonymousId":"a1","userId":"u2","timestamp":"2024-01-01T00:00:00Z","integrations":{},"receivedAt":"2024-01-01T00:00:00Z"}
{"type":"page","name":"Home","messageId":"m3","anonymousId":"a1","timestamp":"2024-01-01T00:00:00Z","integrations":{},"receivedAt":"2024-01-01T00:00:00Z"}
{"type":"track","event":"Signed Up","messageId":"m4","anonymousId":"a2","userId":"u1","timestamp":"2024-01-01T00:01:00Z","integrations":{},"receivedAt":"2024-01-01T00:00:00Z"}
`)
	if code := Main(ios, []string{"inspect", "-", "--format", "json"}); code != ExitOK {
		t.Fatalf("exit %d: %s", code, errb)
	}
	var r struct {
		Result InspectResult `json:"result"`
	}
	if err := json.Unmarshal(outb.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	id := r.Result.Identity
	if got := fmt.Sprintf("%s users=%d merged=%d ambiguous=%d records=%d", r.Result.Vendor, r.Result.Users, id.Merged, id.Ambiguous, r.Result.IdentityRecords); got != "segment users=2 merged=0 ambiguous=1 records=2" {
		t.Errorf("got %s", got)
	}
	if r.Result.Events[0].Name != "Page Viewed" && r.Result.Events[1].Name != "Page Viewed" {
		t.Errorf("segment page call not named Page Viewed: %+v", r.Result.Events)
	}
}

// The survey samples: NPS 9, 6, 10, 7, 3, 8 → 0; CSAT 5, 2, 5, 3, 1, 4 →
// 50% top-2-box (Zendesk good/bad 3/6); CES 6, 3, 7, 4, 2, 5 → mean 4.5.
// Rows that are not answers (Typeform partial, Qualtrics preview, an
// unrated Intercom conversation, a Zendesk "offered") are counted apart.
func TestSurveyStory(t *testing.T) {
	for _, tt := range []struct {
		metric, file, vendor string
		value                float64
		notAnswers           int64
	}{
		{"nps", "delighted.csv", "generic", 0, 0},
		{"nps", "delighted_api.json", "delighted", 0, 0},
		{"nps", "typeform.csv", "typeform", 0, 1},
		{"nps", "surveymonkey.csv", "surveymonkey", 0, 0},
		{"nps", "qualtrics.csv", "qualtrics", 0, 1},
		{"csat", "intercom_conversations.jsonl", "intercom", 0.5, 1},
		{"csat", "surveymonkey.csv", "surveymonkey", 0.5, 0},
		{"csat", "zendesk_satisfaction_ratings.json", "zendesk", 0.5, 1},
		{"ces", "typeform.csv", "typeform", 4.5, 1},
		{"ces", "qualtrics.csv", "qualtrics", 4.5, 1},
	} {
		t.Run(tt.metric+"_"+tt.file, func(t *testing.T) {
			var env struct {
				Input  struct{ Vendor string }
				Result struct {
					N        int64
					NPS      *float64 `json:"nps"`
					CSAT     struct{ Value *float64 }
					Mean     *float64
					Excluded metrics.SurveyExcluded
				}
			}
			runJSON(t, &env, tt.metric, filepath.Join("..", "testdata", "formats", tt.file))
			r := env.Result
			var got *float64
			switch tt.metric {
			case "nps":
				got = r.NPS
			case "csat":
				got = r.CSAT.Value
			default:
				got = r.Mean
			}
			if env.Input.Vendor != tt.vendor || r.N != 6 || got == nil || *got != tt.value || r.Excluded.NotAnswers != tt.notAnswers {
				t.Errorf("vendor %q n %d value %v not-answers %d; want %q, 6, %v, %d", env.Input.Vendor, r.N, got, r.Excluded.NotAnswers, tt.vendor, tt.value, tt.notAnswers)
			}
		})
	}
}

// Properties nested by the vendor are reachable by their bare name in
// --where and --by: GA4 event_params, Amplitude event_properties and
// user_properties, Segment and Mixpanel properties.
func TestVendorNestedProperties(t *testing.T) {
	for _, f := range []string{"ga4.jsonl", "ga4_flattened.csv", "amplitude.json", "segment.jsonl", "mixpanel.jsonl", "posthog_batch_export.jsonl"} {
		var r struct {
			Result InspectResult `json:"result"`
		}
		runJSON(t, &r, "inspect", filepath.Join("..", "testdata", "formats", f), "--where", "step = 2")
		if r.Result.Kept != 3 {
			t.Errorf("%s: --where step = 2 kept %d events, want 3 (the second onboarding step of u_1001, u_1002, u_1003)", f, r.Result.Kept)
		}
	}
	// inspect lists the keys inside the vendor's property objects
	var amp struct {
		Result InspectResult `json:"result"`
	}
	runJSON(t, &amp, "inspect", filepath.Join("..", "testdata", "formats", "amplitude.json"))
	names := map[string]int64{}
	for _, p := range amp.Result.Properties {
		names[p.Name] = p.Events
	}
	if names["event_properties.step"] != 9 || names["user_properties.plan"] == 0 || names["event_properties"] != 0 {
		t.Errorf("amplitude properties: step %d, plan %d, event_properties %d", names["event_properties.step"], names["user_properties.plan"], names["event_properties"])
	}
	var fn struct {
		Result struct {
			Segments []struct {
				Segment string
				Steps   []struct{ Users int64 }
			}
		}
	}
	runJSON(t, &fn, "funnel", filepath.Join("..", "testdata", "formats", "amplitude.json"), "--steps", "Signed Up,Project Created",
		"--by", "plan", "--as-of", "2024-04-01")
	got := map[string][2]int64{}
	for _, s := range fn.Result.Segments {
		got[s.Segment] = [2]int64{s.Steps[0].Users, s.Steps[1].Users}
	}
	if want := map[string][2]int64{"free": {3, 1}, "team": {1, 1}}; !cmp.Equal(want, got) {
		t.Errorf("--by plan (from user_properties): %v, want %v", got, want)
	}
}

func TestVendorDetectionErrors(t *testing.T) {
	ios, in, _, errOut := Test()
	// a record that is as much Amplitude as PostHog
	in.WriteString(`{"uuid":"1","event":"a","distinct_id":"u","timestamp":"2024-01-01T00:00:00Z","person_id":"p","event_type":"a","amplitude_id":1,"event_time":"2024-01-01 00:00:00.000000"}` + "\n")
	if code := Main(ios, []string{"inspect", "-"}); code != ExitError ||
		!strings.Contains(errOut.String(), "looks like more than one vendor's export: amplitude (score 6), posthog (score 5); choose with --input-format") {
		t.Errorf("exit %d: %s", code, errOut)
	}
	code, _, stderr := run(t, false, "inspect", filepath.Join("..", "testdata", "formats", "posthog.csv"), "--input-format", "mixpanel")
	if code != ExitError || !strings.Contains(stderr, "--input-format mixpanel: this is a CSV file, and uptake knows mixpanel exports only as JSON") {
		t.Errorf("forced vendor on the wrong shape: exit %d: %s", code, stderr)
	}
	code, _, stderr = run(t, false, "inspect", filepath.Join("..", "testdata", "formats", "qualtrics.csv"))
	if code != ExitError || !strings.Contains(stderr, "this looks like a survey export, not events: read it with uptake nps, csat or ces") {
		t.Errorf("survey file to inspect: exit %d: %s", code, stderr)
	}
	// forcing a vendor on a generic file maps its fields
	code, out, stderr := run(t, false, "inspect", filepath.Join("..", "testdata", "formats", "segment.jsonl"), "--input-format", "rudderstack", "--format", "json")
	if code != ExitOK || !strings.Contains(out, `"vendor": "rudderstack"`) || !strings.Contains(out, `"detected": "set with --input-format"`) {
		t.Errorf("forced rudderstack: exit %d %s", code, stderr)
	}
}
