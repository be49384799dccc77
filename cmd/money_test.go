package cmd

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Golden outputs of repeat and revenue on the demo export.
func TestMoneyGolden(t *testing.T) {
	runGoldens(t, []goldenCase{
		{"repeat_cohort_table", []string{"repeat", "--demo", "--amount", "amount", "--mode", "cohort", "--within", "60d", "--by", "plan"}, false},
		{"revenue_table", []string{"revenue", "--demo", "--amount", "amount", "--gross-margin", "0.7", "--clv-ci"}, false},
		{"revenue_formula_json", []string{"revenue", "--demo", "--amount", "amount", "--lifetime", "12", "--from", "2024-03-01", "--format", "json"}, false},
	})
}

// jsonResult runs a command with --format json and returns its result.
func jsonResult(t *testing.T, args ...string) map[string]any {
	t.Helper()
	code, out, errOut := run(t, false, append(args, "--format", "json")...)
	if code != ExitOK {
		t.Fatalf("%v: exit %d: %s", args, code, errOut)
	}
	var env struct{ Result map[string]any }
	if err := json.Unmarshal([]byte(out), &env); err != nil {
		t.Fatal(err)
	}
	return env.Result
}

// The demo's purchases are subscription_started (the first month) and
// invoice_paid (each month after), every one with an amount: 485 orders
// from 212 customers. repeat and revenue read them through the same order
// helper, so they count the same orders.
func TestMoneyOnDemo(t *testing.T) {
	rep := jsonResult(t, "repeat", "--demo", "--amount", "amount")
	for path, want := range map[string]float64{"rate.numerator": 118, "rate.denominator": 212, "customers": 212, "repeat_customers": 118, "orders": 485} {
		if got := get(rep, strings.Split(path, ".")...); got != want {
			t.Errorf("repeat .result.%s = %v, want %v", path, got, want)
		}
	}
	// a customer pays at most once a month, bar one
	if p := list(rep, "periods"); len(p) != 7 || get(p[4].(map[string]any), "repeat_customers") != 1.0 || get(p[6].(map[string]any), "status") != "incomplete" {
		t.Errorf("repeat periods %v", p)
	}
	// named events instead of the amount's: the same orders
	named := jsonResult(t, "repeat", "--demo", "--order-event", "subscription_started,invoice_paid")
	if named["orders"] != 485.0 {
		t.Errorf("repeat with --order-event: %v orders", named["orders"])
	}
	rev := jsonResult(t, "revenue", "--demo", "--amount", "amount", "--lifetime", "12")
	for path, want := range map[string]float64{"total.revenue": 25055, "total.refunds": 0, "total.customers": 212, "total.paying_customers": 212,
		"total.orders": 485, "total.arpu_periods": 6, "clv.lifetime_periods": 12} {
		if got := get(rev, strings.Split(path, ".")...); got != want {
			t.Errorf("revenue .result.%s = %v, want %v", path, got, want)
		}
	}
	arpu, _ := get(rev, "total", "arpu").(float64)
	clv, _ := get(rev, "clv", "value").(float64)
	// complete months Jan–Jun: 19,973 over 386 paying customer-months
	if math.Abs(arpu-19973.0/386) > 1e-9 || math.Abs(clv-12*arpu) > 1e-9 || get(rev, "clv", "method") != "formula" || get(rev, "clv", "ci") != nil {
		t.Errorf("revenue arpu %v, clv %v", arpu, get(rev, "clv"))
	}
	if p := list(rev, "periods"); len(p) != 7 || get(p[0].(map[string]any), "revenue") != 715.0 || get(p[0].(map[string]any), "paying_customers") != 15.0 {
		t.Errorf("revenue periods %v", p)
	}
}

// The JSON paths the contract promises to scripts.
func TestMoneyJSONPaths(t *testing.T) {
	for _, tt := range []struct {
		args  []string
		paths []string
	}{
		{[]string{"repeat", "--demo", "--amount", "amount"}, []string{"rate.numerator", "rate.value", "rate.ci.low", "customers", "repeat_customers", "orders",
			"periods.0.period", "periods.0.rate.value", "excluded.censored"}},
		{[]string{"repeat", "--demo", "--amount", "amount", "--mode", "cohort", "--by", "plan"}, []string{"rate.value", "periods.0.period", "periods.0.rate.value", "segments.0.rate.value"}},
		{[]string{"revenue", "--demo", "--amount", "amount"}, []string{"total.revenue", "total.customers", "total.paying_customers", "total.orders", "total.arpu",
			"total.aov", "total.purchase_frequency", "periods.0.period", "periods.0.revenue", "periods.0.paying_customers", "periods.0.orders", "periods.0.arpu",
			"periods.0.aov", "clv.method", "clv.value", "clv.lifetime_periods", "clv.ci"}},
	} {
		res := jsonResult(t, tt.args...)
		for _, p := range tt.paths {
			var cur any = res
			for _, k := range strings.Split(p, ".") {
				switch c := cur.(type) {
				case map[string]any:
					v, ok := c[k]
					if !ok {
						t.Errorf("%v: .result.%s missing at %q", tt.args, p, k)
					}
					cur = v
				case []any:
					if len(c) == 0 {
						t.Errorf("%v: .result.%s: empty list", tt.args, p)
						cur = nil
						continue
					}
					cur = c[0]
				}
			}
		}
	}
}

func TestMoneyErrors(t *testing.T) {
	for _, tt := range []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"revenue", "--demo"}, ExitUsage, "uptake: revenue needs --amount: the column or property holding each order's value (amount, revenue, or a product such as Quantity*UnitPrice)\n"},
		{[]string{"repeat", "--demo"}, ExitUsage, "uptake: which events are purchases? Give --order-event E, or --amount EXPR to take every event carrying an amount (the input has 19 events: ces_response, csat_response, feature_used, invoice_paid, nps_response, onboarding_completed, onboarding_started, page_viewed, …)\n"},
		{[]string{"revenue", "--demo", "--amount", "amount", "--clv", "formula"}, ExitUsage, "uptake: --clv formula needs --lifetime L, the customer lifetime in periods\n"},
		{[]string{"revenue", "--demo", "--amount", "amount", "--gross-margin", "70"}, ExitUsage, "uptake: --gross-margin 70: want a fraction above 0 and at most 1, such as 0.7\n"},
		// an --amount field no row holds is a misspelled name
		{[]string{"revenue", "--demo", "--amount", "amunt"}, ExitError, "uptake: --amount: no property \"amunt\" in the input; did you mean \"amount\"?\n"},
		{[]string{"repeat", "--demo", "--order-event", "purchase"}, ExitError, "uptake: --order-event: no event \"purchase\" in the input"},
	} {
		code, out, errOut := run(t, false, tt.args...)
		if code != tt.code || !strings.HasPrefix(errOut, strings.TrimSuffix(tt.stderr, "\n")) || out != "" {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tt.args, code, errOut, tt.code, tt.stderr)
		}
	}
}

// An order id column on the UCI Online Retail excerpt (the figures below
// were counted with a separate script): the lines of an invoice are one
// order; a credit note (negative) is revenue but no order; rows without a
// customer are not read. Customers 13047 and 14849 each placed two
// invoices in the same minute, which only the order id tells apart.
func TestMoneyInvoiceLines(t *testing.T) {
	args := []string{"../testdata/online_retail_excerpt.csv", "--user-col", "CustomerID", "--event-name", "purchase", "--amount", "Quantity*UnitPrice"}
	byID := jsonResult(t, append([]string{"repeat", "--order-col", "InvoiceNo"}, args...)...)
	byTime := jsonResult(t, append([]string{"repeat"}, args...)...)
	if byID["orders"] != 71.0 || byID["customers"] != 56.0 || byID["repeat_customers"] != 5.0 || byTime["orders"] != 69.0 || byTime["customers"] != 56.0 {
		t.Errorf("by InvoiceNo %v orders, %v customers, %v repeat; by time %v orders, %v customers; want 71, 56, 5; 69, 56",
			byID["orders"], byID["customers"], byID["repeat_customers"], byTime["orders"], byTime["customers"])
	}
	// without --amount the file's one event is the purchase, and the
	// credit notes are left out with --where
	noAmount := jsonResult(t, "repeat", "../testdata/online_retail_excerpt.csv", "--user-col", "CustomerID", "--event-name", "purchase", "--order-col", "InvoiceNo", "--where", "InvoiceNo !~ ^C")
	if noAmount["orders"] != 71.0 || noAmount["customers"] != 56.0 {
		t.Errorf("without --amount: %v orders, %v customers; want 71, 56", noAmount["orders"], noAmount["customers"])
	}
	rev := jsonResult(t, append([]string{"revenue", "--order-col", "InvoiceNo", "--clv", "none"}, args...)...)
	total := func(k string) float64 { v, _ := get(rev, "total", k).(float64); return v }
	if total("orders") != 71 || total("customers") != 58 || total("paying_customers") != 56 || math.Abs(total("revenue")-26287.12) > 1e-6 ||
		math.Abs(total("refunds")-199.13) > 1e-6 || get(rev, "clv", "method") != "none" || get(rev, "clv", "value") != nil {
		t.Errorf("revenue total %v, clv %v", get(rev, "total"), get(rev, "clv"))
	}
}

// In a report, the purchases found by their amounts are all kept with
// their amounts, whatever the other metrics keep: events named by a funnel
// (invoice_paid among them) and survey answers with their own details.
func TestMoneyInReport(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "uptake.yaml")
	body := `input:
  amount: amount
metrics:
  - name: repeat
    metric: repeat
  - name: revenue
    metric: revenue
    clv: none
  - name: paid
    metric: funnel
    steps: signup,invoice_paid
  - name: nps
    metric: nps
`
	if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, false, "report", "--demo", "--config", cfg, "--format", "json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var rep struct {
		Result struct {
			Metrics []struct {
				Name   string
				Result map[string]any
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	for _, m := range rep.Result.Metrics {
		switch m.Name {
		case "repeat":
			if m.Result["orders"] != 485.0 || m.Result["customers"] != 212.0 {
				t.Errorf("repeat in a report: %v orders, %v customers; want 485, 212", m.Result["orders"], m.Result["customers"])
			}
		case "revenue":
			if get(m.Result, "total", "revenue") != 25055.0 {
				t.Errorf("revenue in a report: %v", get(m.Result, "total"))
			}
		}
	}
}
