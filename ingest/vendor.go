package ingest

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Vendor describes one vendor's export: how to recognise it (docs/formats.md#vendor-detection)
// and how its records become events (docs/formats.md#vendors). Everything here is data:
// the reader's general mechanisms (paths tried in order, a type field that
// picks the event name, anonymous ids, key/value arrays) do the work.
type Vendor struct {
	Name string
	JSON bool // JSON/JSONL records; otherwise CSV headers
	// scoreJSON/scoreCSV return a detection score (0 = not this vendor),
	// with the signals that matched.
	scoreJSON func(rec record) (int, []string)
	scoreCSV  func(h *headerIndex) (int, []string)

	User, Anon, Event, Time, ID []string
	// AnonPrefix marks a user value as anonymous (Mixpanel "$device:…").
	AnonPrefix string
	// UserIsAnonWhenSame: a user equal to the anonymous id is anonymous
	// (PostHog's UI CSV, where anonymous distinct_id is the device id).
	UserIsAnonWhenSame bool
	// TypeField, when set, is read to pick the event: TypeEvents maps a type
	// to a constant name ("page" → "Page Viewed") or, prefixed with "@", to
	// the field holding the name; IdentityTypes are identity links only.
	TypeField     string
	TypeEvents    map[string]string
	IdentityTypes []string
	// PropPrefixes are where --where/--by look for a bare property name.
	PropPrefixes []string
	// KVArrays are arrays of {key, value: {string_value, int_value, …}}
	// whose keys become properties (GA4 event_params).
	KVArrays []string
	// Internal events are not user activity (identity calls, engagement pings).
	Internal []string
	// UTC: timestamps written without a zone are UTC by the vendor's
	// documentation, so they are read so and not counted as naive.
	UTC bool
	// LinksOnly: every record links an anonymous id to a user (Heap's users
	// table); there are no events.
	LinksOnly bool
	// ServerTime is a field with the time the vendor's servers received the
	// event, compared with the event time to catch a zone shift (a Mixpanel
	// project created before 2023 exports project wall-clock time).
	ServerTime string
}

// fieldSet is a decoded JSON record or a CSV header, asked for its fields
// by the fingerprints.
type fieldSet interface{ has(name string) bool }

// record is one decoded JSON record.
type record map[string]any

func (r record) has(k string) bool { _, ok := r[k]; return ok }

func (h *headerIndex) has(name string) bool { _, ok := h.find(name); return ok }

func hasAll(f fieldSet, names ...string) bool {
	for _, n := range names {
		if !f.has(n) {
			return false
		}
	}
	return true
}

// count counts the names f has and adds them to the signals.
func count(f fieldSet, sig *[]string, names ...string) int {
	n := 0
	for _, name := range names {
		if f.has(name) {
			n++
			*sig = append(*sig, name)
		}
	}
	return n
}

func sub(m record, k string) record {
	v, _ := m[k].(map[string]any)
	return v
}

// segmentShape fills in the record shape of the Segment spec, which
// RudderStack shares.
func segmentShape(v Vendor) *Vendor {
	v.JSON = true
	v.User, v.Anon, v.Event, v.ID = []string{"userId"}, []string{"anonymousId"}, []string{"event"}, []string{"messageId"}
	v.Time = []string{"timestamp", "receivedAt", "originalTimestamp"}
	v.TypeField, v.TypeEvents = "type", map[string]string{"page": "Page Viewed", "screen": "Screen Viewed"}
	v.IdentityTypes, v.PropPrefixes = []string{"identify", "group", "alias"}, []string{"properties.", "context.traits."}
	return &v
}

// The events PostHog and GA4 record on their own, in either export shape.
var (
	posthogInternal = []string{"$identify", "$set", "$set_once", "$feature_flag_called", "$pageleave", "$groupidentify", "$create_alias"}
	ga4Internal     = []string{"user_engagement", "scroll"}
)

var segmentTypes = []string{"track", "identify", "page", "screen", "group", "alias"}

func segmentScore(m record) (int, []string) {
	t, _ := m["type"].(string)
	if !slices.Contains(segmentTypes, t) || m["messageId"] == nil {
		return 0, nil
	}
	sig := []string{"type", "messageId"}
	s := 4 + count(m, &sig, "anonymousId", "userId", "originalTimestamp", "receivedAt", "sentAt", "integrations")
	if lib := sub(sub(m, "context"), "library"); lib != nil {
		s++
		sig = append(sig, "context.library")
	}
	return s, sig
}

// Vendors is every vendor uptake recognises, in the order --input-format
// lists them (VendorNames).
var Vendors = []*Vendor{
	{Name: "mixpanel", JSON: true,
		scoreJSON: func(m record) (int, []string) {
			p := sub(m, "properties")
			if p == nil || m["event"] == nil || len(m) > 2 || p["distinct_id"] == nil {
				return 0, nil
			}
			if _, ok := p["time"].(float64); !ok {
				return 0, nil
			}
			sig := []string{"event", "properties.time", "properties.distinct_id"}
			s := 4 + count(p, &sig, "$insert_id", "mp_processing_time_ms", "mp_lib")
			if d, _ := p["distinct_id"].(string); strings.HasPrefix(d, "$device:") {
				s++
			}
			return s, sig
		},
		User: []string{"properties.$user_id", "properties.distinct_id"}, Anon: []string{"properties.$device_id"},
		Event: []string{"event"}, Time: []string{"properties.time"}, ID: []string{"properties.$insert_id"},
		AnonPrefix: "$device:", PropPrefixes: []string{"properties."}, ServerTime: "properties.mp_processing_time_ms",
		Internal: []string{"$identify", "$create_alias", "$merge", "$mp_session_record"}},
	{Name: "amplitude", UTC: true, JSON: true,
		scoreJSON: func(m record) (int, []string) {
			if !hasAll(m, "event_type", "amplitude_id") {
				return 0, nil
			}
			sig := []string{"event_type", "amplitude_id"}
			return 4 + count(m, &sig, "event_time", "server_upload_time", "uuid", "$insert_id", "$schema", "event_properties"), sig
		},
		User: []string{"user_id"}, Anon: []string{"device_id"}, Event: []string{"event_type"}, Time: []string{"event_time"},
		ID: []string{"$insert_id", "uuid"}, PropPrefixes: []string{"event_properties.", "user_properties."},
		Internal: []string{"$identify", "$groupidentify", "session_start", "session_end"}},
	segmentShape(Vendor{Name: "segment", scoreJSON: segmentScore}),
	// RudderStack writes Segment's spec, plus fields of its own
	segmentShape(Vendor{Name: "rudderstack",
		scoreJSON: func(m record) (int, []string) {
			s, sig := segmentScore(m)
			if s == 0 {
				return 0, nil
			}
			r := count(m, &sig, "rudderId", "request_ip")
			if lib := sub(sub(m, "context"), "library"); lib != nil {
				if n, _ := lib["name"].(string); strings.Contains(strings.ToLower(n), "rudder") {
					r++
					sig = append(sig, "context.library.name ~ rudder")
				}
			}
			if r == 0 {
				return 0, nil
			}
			return s + 3 + r, sig
		}}),
	{Name: "posthog", JSON: true,
		scoreJSON: func(m record) (int, []string) {
			if !hasAll(m, "uuid", "event", "distinct_id", "timestamp") {
				return 0, nil
			}
			sig := []string{"uuid", "event", "distinct_id", "timestamp"}
			s := 4 + count(m, &sig, "person_id", "elements_chain", "_inserted_at", "created_at")
			if p := sub(m, "properties"); p != nil && p["$lib"] != nil {
				s++
			}
			return s, sig
		},
		User: []string{"person_id", "distinct_id"}, Anon: []string{"properties.$device_id"}, Event: []string{"event"},
		Time: []string{"timestamp"}, ID: []string{"uuid"}, PropPrefixes: []string{"properties.", "person_properties."},
		Internal: posthogInternal},
	{Name: "ga4", JSON: true,
		scoreJSON: func(m record) (int, []string) {
			if !hasAll(m, "event_name", "event_timestamp", "user_pseudo_id") {
				return 0, nil
			}
			sig := []string{"event_name", "event_timestamp", "user_pseudo_id"}
			s := 4 + count(m, &sig, "event_params", "event_date", "event_bundle_sequence_id", "stream_id", "platform")
			return s, sig
		},
		User: []string{"user_id"}, Anon: []string{"user_pseudo_id"}, Event: []string{"event_name"}, Time: []string{"event_timestamp"},
		PropPrefixes: []string{"event_params."}, KVArrays: []string{"event_params", "user_properties"},
		Internal: ga4Internal},
	// CSV shapes
	{Name: "posthog-csv",
		scoreCSV: func(h *headerIndex) (int, []string) {
			n := 0
			for _, name := range h.names {
				if strings.HasPrefix(name, "*.") {
					n++
				}
			}
			_, d := h.exact["*.distinct_id"]
			_, u := h.exact["*.uuid"]
			if n < 2 || !(d || u) {
				return 0, nil
			}
			sig := []string{"*.-prefixed headers"}
			return 5 + count(h, &sig, "*.timestamp", "*.team_id", "*.elements_chain"), sig
		},
		User: []string{"*.distinct_id"}, Anon: []string{"*.properties.$device_id"}, Event: []string{"*.event", "event"},
		Time: []string{"*.timestamp"}, ID: []string{"*.uuid"}, UserIsAnonWhenSame: true, PropPrefixes: []string{"*.properties."},
		Internal: posthogInternal},
	{Name: "segment-warehouse", UTC: true,
		scoreCSV: func(h *headerIndex) (int, []string) {
			if !hasAll(h, "anonymous_id", "user_id", "received_at") {
				return 0, nil
			}
			sig := []string{"anonymous_id", "user_id", "received_at"}
			return 4 + count(h, &sig, "event_text", "uuid_ts", "original_timestamp", "sent_at"), sig
		},
		User: []string{"user_id"}, Anon: []string{"anonymous_id"}, Event: []string{"event_text", "event"},
		Time: []string{"timestamp", "received_at", "original_timestamp"}, ID: []string{"id"}, PropPrefixes: []string{"context_"}},
	{Name: "ga4-csv", UTC: true,
		scoreCSV: func(h *headerIndex) (int, []string) {
			if !hasAll(h, "event_timestamp", "event_name", "user_pseudo_id") {
				return 0, nil
			}
			sig := []string{"event_timestamp", "event_name", "user_pseudo_id"}
			return 4 + count(h, &sig, "event_date", "ga_session_id", "page_location"), sig
		},
		User: []string{"user_id"}, Anon: []string{"user_pseudo_id"}, Event: []string{"event_name"}, Time: []string{"event_timestamp"},
		Internal: ga4Internal},
	{Name: "snowplow", UTC: true,
		scoreCSV: func(h *headerIndex) (int, []string) {
			if !hasAll(h, "event_id", "collector_tstamp") {
				return 0, nil
			}
			sig := []string{"event_id", "collector_tstamp"}
			return 4 + count(h, &sig, "domain_userid", "app_id", "derived_tstamp", "event_name", "se_action"), sig
		},
		User: []string{"user_id"}, Anon: []string{"domain_userid", "network_userid"}, Event: []string{"event_name", "event"},
		Time: []string{"derived_tstamp", "collector_tstamp"}, ID: []string{"event_id"},
		TypeField: "event", TypeEvents: map[string]string{"struct": "@se_action"}, Internal: []string{"page_ping"}},
	{Name: "heap", UTC: true,
		scoreCSV: func(h *headerIndex) (int, []string) {
			if !hasAll(h, "event_id", "event_table_name") {
				return 0, nil
			}
			sig := []string{"event_id", "event_table_name"}
			return 4 + count(h, &sig, "session_id", "time", "user_id"), sig
		},
		// Heap's user_id is its own id: the app's id comes from the users
		// table (below), so events are anonymous until stitched to it
		Anon: []string{"user_id"}, Event: []string{"event_table_name"}, Time: []string{"time"}, ID: []string{"event_id"}},
	{Name: "heap-users", UTC: true,
		scoreCSV: func(h *headerIndex) (int, []string) {
			if !hasAll(h, "user_id", "identity", "joindate") {
				return 0, nil
			}
			sig := []string{"user_id", "identity", "joindate"}
			return 5 + count(h, &sig, "last_modified"), sig
		},
		User: []string{"identity"}, Anon: []string{"user_id"}, LinksOnly: true},
}

// The survey and CX vendors are read by ReadSurvey (their records are
// answers, not events); they are listed so --input-format accepts them.
var surveyVendors = []string{"delighted", "typeform", "surveymonkey", "qualtrics", "intercom", "zendesk"}

// VendorNames lists the --input-format vendor values: the event vendors in
// the order of Vendors (a vendor's CSV shapes answer to its name), then the
// survey tools.
func VendorNames() []string {
	var out []string
	for _, v := range Vendors {
		if !slices.Contains(out, v.base()) {
			out = append(out, v.base())
		}
	}
	return append(out, surveyVendors...)
}

// base is the vendor's name without its shape's suffix (posthog-csv is posthog).
func (v *Vendor) base() string {
	for _, suffix := range []string{"-csv", "-warehouse", "-users"} {
		if b, ok := strings.CutSuffix(v.Name, suffix); ok {
			return b
		}
	}
	return v.Name
}

// detection is the result of fingerprinting an input.
type detection struct {
	vendor *Vendor
	reason string
}

// A vendor wins with a median score of 5 or more over the sample, at least
// 2 ahead of the runner-up; a tie that close is ambiguous.
const (
	detectMin    = 5
	detectMargin = 2
)

func pick(scores map[*Vendor][]int, signals map[*Vendor][]string) (detection, error) {
	type cand struct {
		v     *Vendor
		score int
	}
	var cs []cand
	for v, s := range scores {
		sort.Ints(s)
		med := s[len(s)/2]
		if med >= detectMin {
			cs = append(cs, cand{v, med})
		}
	}
	sort.Slice(cs, func(i, j int) bool {
		if cs[i].score != cs[j].score {
			return cs[i].score > cs[j].score
		}
		return cs[i].v.Name < cs[j].v.Name
	})
	if len(cs) == 0 {
		return detection{}, nil
	}
	if len(cs) > 1 && cs[0].score-cs[1].score < detectMargin {
		var names []string
		for _, c := range cs {
			names = append(names, fmt.Sprintf("%s (score %d)", c.v.Name, c.score))
		}
		return detection{}, fmt.Errorf("looks like more than one vendor's export: %s; choose with --input-format", strings.Join(names, ", "))
	}
	sig := signals[cs[0].v]
	slices.Sort(sig)
	sig = slices.Compact(sig)
	return detection{vendor: cs[0].v, reason: fmt.Sprintf("fingerprint score %d from %s", cs[0].score, strings.Join(sig, ", "))}, nil
}

// detectJSON fingerprints up to 50 JSON records.
func detectJSON(sample [][]byte) (detection, error) {
	scores := map[*Vendor][]int{}
	signals := map[*Vendor][]string{}
	n := 0
	for _, line := range sample {
		if n >= 50 {
			break
		}
		var m map[string]any
		if json.Unmarshal(line, &m) != nil {
			continue
		}
		n++
		for _, v := range Vendors {
			if v.scoreJSON == nil {
				continue
			}
			s, sig := v.scoreJSON(m)
			scores[v] = append(scores[v], s)
			signals[v] = append(signals[v], sig...)
		}
	}
	if n == 0 {
		return detection{}, nil
	}
	return pick(scores, signals)
}

// detectCSV fingerprints a header.
func detectCSV(h *headerIndex) (detection, error) {
	scores := map[*Vendor][]int{}
	signals := map[*Vendor][]string{}
	for _, v := range Vendors {
		if v.scoreCSV == nil {
			continue
		}
		s, sig := v.scoreCSV(h)
		scores[v] = []int{s}
		signals[v] = sig
	}
	return pick(scores, signals)
}

// vendorNamed returns the event vendor called name (CSV shapes answer to
// their vendor's name too: --input-format posthog on a CSV is posthog-csv).
func vendorNamed(name string, json bool) *Vendor {
	for _, v := range Vendors {
		if (v.Name == name || v.base() == name) && v.JSON == json {
			return v
		}
	}
	return nil
}

// IsVendor reports whether name is a vendor --input-format accepts.
func IsVendor(name string) bool { return slices.Contains(VendorNames(), name) }

// IsSurveyVendor reports whether name is a survey or CX tool.
func IsSurveyVendor(name string) bool { return slices.Contains(surveyVendors, name) }

// InternalEvents are the events that are not activity in an export of the
// vendor called name (docs/formats.md#internal-events): every file's list,
// and the vendor's own; "" names no vendor. ok is false for a name that is
// no event vendor.
func InternalEvents(name string) (events []string, ok bool) {
	events = slices.Clone(internalEvents)
	if name == "" || name == "generic" {
		return events, true
	}
	for _, v := range Vendors {
		if v.Name == name || v.base() == name {
			for _, e := range v.Internal {
				if !slices.Contains(events, e) {
					events = append(events, e)
				}
			}
			ok = true
		}
	}
	return events, ok
}
