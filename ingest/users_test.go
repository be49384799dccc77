package ingest

import (
	"bytes"
	"compress/gzip"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func mustTable(t *testing.T, name, data, join, key string) *UserTable {
	t.Helper()
	tb, err := ReadUserTable(BytesInput(name, []byte(data)), join, key)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return tb
}

// rows renders a table's cells, a row a line, "|"-separated.
func rows(tb *UserTable) []string {
	var out []string
	for r := range tb.Rows() {
		out = append(out, strings.Join(tb.cells[r*tb.width:(r+1)*tb.width], "|"))
	}
	return out
}

func gz(s string) string {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	w.Close()
	return b.String()
}

// CSV, TSV, JSON lines and a JSON array, plain or gzipped, read as the same
// table; JSON's nested objects are dotted columns, null is empty, numbers
// are as written, and columns missing from a record are empty.
func TestReadUserTableFormats(t *testing.T) {
	wantCols := []string{"user_id", "plan", "seats"}
	wantRows := []string{"u1|pro|10", "u2|free|", "u3||2.50"}
	csvText := "\ufeffuser_id,plan,seats\nu1,pro,10\nu2,free,\n\"u3\",,2.50\n"
	for _, tt := range []struct{ name, data string }{
		{"users.csv", csvText},
		{"users.csv.gz", gz(csvText)},
		{"users.tsv", "user_id\tplan\tseats\nu1\tpro\t10\nu2\tfree\t\nu3\t\t2.50\n"},
		{"users.jsonl", `{"user_id":"u1","plan":"pro","seats":10}` + "\n\n" + `{"user_id":"u2","plan":"free","seats":null}` + "\n" + `{"user_id":"u3","seats":2.50}`},
		{"users.json", `[{"user_id":"u1","plan":"pro","seats":10},{"user_id":"u2","plan":"free"},{"user_id":"u3","seats":2.50}]`},
	} {
		tb := mustTable(t, tt.name, tt.data, "", "")
		if !cmp.Equal(tb.Columns, wantCols) || !cmp.Equal(rows(tb), wantRows) {
			t.Errorf("%s: columns %q rows %q", tt.name, tb.Columns, rows(tb))
		}
	}
	tb := mustTable(t, "u.jsonl", `{"id":"u1","plan":{"name":"pro","seats":3},"tags":["a","b"],"trial":true}`, "", "")
	if want := []string{"id", "plan.name", "plan.seats", "tags", "trial"}; !cmp.Equal(tb.Columns, want) || rows(tb)[0] != `u1|pro|3|["a","b"]|true` {
		t.Errorf("nested: columns %q rows %q", tb.Columns, rows(tb))
	}
}

// A bad table is an error naming the file and line (or the flag and the
// columns there are).
func TestReadUserTableErrors(t *testing.T) {
	for _, tt := range []struct{ name, data, join, key, want string }{
		{"empty.csv", "\n\n", "", "", "empty.csv: empty file: expected a users table (a header row, then one row per user)"},
		{"head.csv", "user_id,plan\n", "", "", "head.csv: no rows: a users table has a header row, then one row per user"},
		{"fields.csv", "user_id,plan\nu1,pro\nu2,pro,extra\n", "", "", "fields.csv:3: has 3 fields, the header has 2"},
		{"quote.csv", "user_id,plan\nu1,\"pro\n", "", "", `quote.csv:2: extraneous or missing " in quoted-field`},
		{"twice.csv", "user_id,plan,plan\nu1,a,b\n", "", "", `twice.csv:1: column "plan" appears twice in the header`},
		{"bad.jsonl", "{\"user_id\":\"u1\"}\n{\"user_id\":\n", "", "", "bad.jsonl:2: invalid JSON: unexpected EOF"},
		{"array.jsonl", "{\"user_id\":\"u1\"}\n[1]\n", "", "", "array.jsonl:2: invalid JSON: json: cannot unmarshal array into Go value of type map[string]interface {}"},
		{"more.jsonl", "{\"user_id\":\"u1\"}\n{\"user_id\":\"u2\"} 3\n", "", "", "more.jsonl:2: invalid JSON: more after the object (one object per line)"},
		{"join.csv", "user_id,plan\nu1,pro\n", "uid", "", `--users-join uid: join.csv has no column "uid" (it has user_id, plan)`},
		{"key.csv", "user_id,plan\nu1,pro\n", "", "person", `--user-key person: key.csv has no column "person" (it has user_id, plan)`},
	} {
		_, err := ReadUserTable(BytesInput(tt.name, []byte(tt.data)), tt.join, tt.key)
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s: got %v\nwant %s", tt.name, err, tt.want)
		}
	}
	_, err := ReadUserTable(BytesInput("k.csv", []byte("a\n1\n")), "", "b")
	if ce := (*ColumnError)(nil); !errors.As(err, &ce) || ce.Flag != "--user-key" || !cmp.Equal(ce.Have, []string{"a"}) {
		t.Errorf("column error %#v", err)
	}
}

const tableEvents = "user_id,event,timestamp,plan\n" +
	"u1,signup,2024-03-01T10:00:00Z,free\n" +
	"u2,signup,2024-03-01T11:00:00Z,free\n" +
	"u9,signup,2024-03-01T12:00:00Z,free\n"

// The table's columns are user properties joined by user id, and win over
// an event property of the same name; users it lacks have "" and are
// counted. The join column is --users-join, else the one named as the
// events' user column, else the first.
func TestReadUsersJoin(t *testing.T) {
	for _, tt := range []struct {
		name, table, join string
		wantJoin          string
	}{
		{"same name", "plan,user_id\npro,u1\nteam,u2\n", "", "user_id"},
		{"first column", "id,plan\nu1,pro\nu2,team\n", "", "id"},
		{"--users-join", "plan,who\npro,u1\nteam,u2\n", "who", "who"},
	} {
		tb := mustTable(t, "users.csv", tt.table, tt.join, "")
		d := mustRead(t, "e.csv", tableEvents, Options{Users: tb, Need: Need{UserProps: []string{"plan", "timestamp"}}})
		if got := tb.JoinColumn(); got != tt.wantJoin {
			t.Errorf("%s: joined on %q, want %q", tt.name, got, tt.wantJoin)
		}
		if got := d.UserProps["plan"]; !cmp.Equal(got, []string{"pro", "team", ""}) {
			t.Errorf("%s: plan %q", tt.name, got)
		}
		if got := d.UserProps["timestamp"]; !cmp.Equal(got, []string{"2024-03-01T10:00:00Z", "2024-03-01T11:00:00Z", "2024-03-01T12:00:00Z"}) {
			t.Errorf("%s: an event property beside the table's: %q", tt.name, got)
		}
		if d.Stats.NotInTable != 1 || d.Table != tb {
			t.Errorf("%s: %d users not in the table", tt.name, d.Stats.NotInTable)
		}
	}
	tb := mustTable(t, "dup.csv", "user_id,plan\nu1,pro\nu2,free\nu1,team\n", "", "")
	_, err := readText(t, "e.csv", tableEvents, Options{Users: tb})
	if want := `dup.csv:4: column "user_id": user id "u1" is on line 2 too: a users table has one row per user`; err == nil || err.Error() != want {
		t.Errorf("duplicate id: %v", err)
	}
	tb = mustTable(t, "blank.csv", "user_id,plan\nu1,pro\n,free\n", "", "")
	if _, err := readText(t, "e.csv", tableEvents, Options{Users: tb}); err == nil || err.Error() != `blank.csv:3: column "user_id": user id is empty` {
		t.Errorf("empty id: %v", err)
	}
}

const orders = "order_id,customer_id,order_purchase_timestamp\n" +
	"o1,c1,2024-02-01T00:00:00Z\n" +
	"o2,c2,2024-01-01T00:00:00Z\n" +
	"o3,c3,2024-01-15T00:00:00Z\n"

const customers = "customer_id,customer_unique_id,state\n" +
	"c1,p1,SP\n" +
	"c2,p1,RJ\n" +
	"c3,p2,SP\n"

// --user-key re-keys every event's user id to its row's key: two order
// ids of one person are one user, whose properties are those of the row
// of their first event (c2's, though c1's row comes first).
func TestReadUserKey(t *testing.T) {
	opts := Options{EventName: "purchase", Need: Need{AllEvents: true, UserProps: []string{"state", "customer_id"}}}
	opts.Users = mustTable(t, "customers.csv", customers, "", "customer_unique_id")
	d := mustRead(t, "orders.csv", orders, opts)
	if want := []string{"p1 purchase 2024-02-01T00:00:00Z", "p1 purchase 2024-01-01T00:00:00Z", "p2 purchase 2024-01-15T00:00:00Z"}; !cmp.Equal(events(d), want) {
		t.Errorf("events %q", events(d))
	}
	if !cmp.Equal(d.UserProps["state"], []string{"RJ", "SP"}) || !cmp.Equal(d.UserProps["customer_id"], []string{"c2", "c3"}) {
		t.Errorf("props %v", d.UserProps)
	}
	if d.Stats.NotInTable != 0 || opts.Users.Keys() != 2 {
		t.Errorf("not in table %d, keys %d", d.Stats.NotInTable, opts.Users.Keys())
	}

	// an id the table lacks: the line, or skipped and counted
	bad := orders + "o4,c9,2024-03-01T00:00:00Z\n"
	_, err := readText(t, "orders.csv", bad, opts)
	if want := `orders.csv:5: column "customer_id": user id "c9" is not in the users table customers.csv (column "customer_id"), which --user-key customer_unique_id needs for every user id`; err == nil || err.Error() != want {
		t.Errorf("unknown id: %v", err)
	}
	opts.SkipInvalid = true
	d = mustRead(t, "orders.csv", bad, opts)
	if d.Stats.Skipped != 1 || len(d.Users) != 2 || d.Events.Len() != 3 {
		t.Errorf("skip: skipped %d, users %v", d.Stats.Skipped, d.Users)
	}

	// exact dedup sees the re-keyed user: two ids of p1 at one time are one event
	opts.SkipInvalid, opts.Dedup = false, DedupExact
	d = mustRead(t, "orders.csv", "customer_id,order_purchase_timestamp\nc1,2024-01-01T00:00:00Z\nc2,2024-01-01T00:00:00Z\n", opts)
	if d.Stats.Duplicates != 1 || d.Events.Len() != 1 {
		t.Errorf("exact dedup: %d duplicates, events %q", d.Stats.Duplicates, events(d))
	}
}

// Stitching works on re-keyed ids: an anonymous id linked to a user id is
// merged into its key, and a user known only by identify calls is named by
// their key and given its first row's properties.
func TestReadUserKeyStitch(t *testing.T) {
	data := `{"type":"identify","messageId":"m1","anonymousId":"a1","userId":"c1","timestamp":"2024-01-01T00:00:00Z"}
{"type":"track","event":"E","messageId":"m2","anonymousId":"a1","timestamp":"2024-01-01T01:00:00Z"}
{"type":"track","event":"E","messageId":"m3","anonymousId":"a2","userId":"c3","timestamp":"2024-01-01T02:00:00Z"}
{"type":"track","event":"E","messageId":"m4","anonymousId":"a2","timestamp":"2024-01-01T03:00:00Z"}
{"type":"track","event":"E","messageId":"m5","anonymousId":"a3","timestamp":"2024-01-01T04:00:00Z"}
`
	opts := Options{Need: Need{AllEvents: true, UserProps: []string{"state"}}}
	opts.Users = mustTable(t, "customers.csv", customers, "customer_id", "customer_unique_id")
	d := mustRead(t, "s.jsonl", data, opts)
	if want := []string{"p1 E 2024-01-01T01:00:00Z", "p2 E 2024-01-01T02:00:00Z", "p2 E 2024-01-01T03:00:00Z", "a3 E 2024-01-01T04:00:00Z"}; !cmp.Equal(events(d), want) {
		t.Errorf("events %q", events(d))
	}
	if !cmp.Equal(d.UserProps["state"], []string{"SP", "SP", ""}) || d.Stats.NotInTable != 1 || d.Stats.Identity.Merged != 2 {
		t.Errorf("state %q, not in table %d, identity %+v", d.UserProps["state"], d.Stats.NotInTable, d.Stats.Identity)
	}
}

// FuzzReadUserTable: a users table of any bytes is read or refused with an
// error, never a panic; a table read has rows of its columns' width, and
// joining it to events either fails with an error or gives every user one
// value per table column asked for.
func FuzzReadUserTable(f *testing.F) {
	for _, s := range []string{
		"user_id,plan\nu1,pro\nu2,free\n",
		"user_id\tplan\nu1\tpro\n",
		"user_id,plan\nu1,\"a\nb\"\nu1,x\n",
		`{"user_id":"u1","plan":{"x":1}}` + "\n" + `{"plan":null,"user_id":"u2"}`,
		`[{"user_id":"u1"},{"user_id":"u2","a":[1,{"b":2}]}]`,
		"\ufeffa,b\n,\n",
	} {
		f.Add([]byte(s), "")
	}
	f.Add([]byte("customer_id,person\nc1,p1\nc2,p1\n"), "person")
	f.Fuzz(func(t *testing.T, data []byte, key string) {
		tb, err := ReadUserTable(BytesInput("u", data), "", key)
		if err != nil {
			return
		}
		if len(tb.cells) != tb.Rows()*len(tb.Columns) {
			t.Fatalf("%d cells for %d rows of %d columns", len(tb.cells), tb.Rows(), len(tb.Columns))
		}
		events := "user_id,event,timestamp\nu1,a,2024-01-01\nu2,a,2024-01-02\nc1,a,2024-01-03\n"
		d, err := Read([]Input{BytesInput("e.csv", []byte(events))}, Options{Users: tb, SkipInvalid: true, Need: Need{UserProps: tb.Columns}})
		if err != nil {
			return
		}
		for _, c := range tb.Columns {
			if len(d.UserProps[c]) != len(d.Users) {
				t.Fatalf("column %q: %d values for %d users", c, len(d.UserProps[c]), len(d.Users))
			}
		}
	})
}
