package metrics

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// Orders: which rows are purchases, and which rows make one order. repeat
// and revenue read them through the one helper here (docs/metrics.md#orders).

// OrderSettings are the flags that say what an order is.
type OrderSettings struct {
	OrderEvents []string `flag:"order-event" list:"comma" usage:"Event that is a purchase (repeatable or comma-separated; default: every row carrying an --amount)" json:"order_events"`
	OrderCol    string   `flag:"order-col" usage:"Column or property holding the order id: an order is a distinct value per customer (default: a distinct (customer, time))" json:"order_col"`
}

// orderNeeds are what reading orders needs: the order events (every event
// when they are found by their amounts) and the order id column.
func (s *OrderSettings) orderNeeds() Needs {
	n := Needs{Refs: []Ref{{Flag: "--order-event", Names: s.OrderEvents}}}
	if len(s.OrderEvents) > 0 {
		n.Events = s.OrderEvents
	} else {
		n.AmountRows = true // every row without --amount
	}
	if s.OrderCol != "" {
		n.EventProps = []string{s.OrderCol}
		n.Refs = append(n.Refs, Ref{Flag: "--order-col", Property: true, Names: []string{s.OrderCol}})
	}
	return n
}

// orderSource is OrderSettings resolved against a read.
type orderSource struct {
	ids      []bool // by name id: the order events (byAmount: unused)
	byAmount bool   // every event carrying an amount is a purchase
	names    []string
	basis    string // given, carrying_amount, only_event
	col      string
	amounts  bool // the log holds amounts (--amount was given)
}

// newOrderSource resolves the order events: those given; else, with
// --amount, every event carrying one; else the input's only event (a file
// read with --event-name). Anything else is a usage error.
func newOrderSource(r *Run, s *OrderSettings) (orderSource, error) {
	l := r.Log
	src := orderSource{col: s.OrderCol, amounts: r.Amount != "", ids: make([]bool, len(l.Names))}
	switch {
	case len(s.OrderEvents) > 0:
		src.basis, src.names = "given", s.OrderEvents
		for _, id := range l.NameIDs(s.OrderEvents) {
			if id >= 0 {
				src.ids[id] = true
			}
		}
	case src.amounts:
		src.basis, src.byAmount = "carrying_amount", true
	case len(l.Names) == 1:
		src.basis, src.names = "only_event", l.Names
		src.ids[0] = true
	default:
		return src, fmt.Errorf("which events are purchases? Give --order-event E, or --amount EXPR to take every event carrying an amount (the input has %s: %s)",
			Plural(len(l.Names), "event"), strings.Join(firstNames(l.Names, 8), ", "))
	}
	return src, nil
}

// firstNames are at most n names, sorted, with "…" when there are more.
func firstNames(names []string, n int) []string {
	s := slices.Sorted(slices.Values(names))
	if len(s) > n {
		s = append(s[:n:n], "…")
	}
	return s
}

// amountNames are the events with at least one amount among users (for
// params when purchases are found by their amounts).
func (src *orderSource) amountNames(l *Log, users []int32) []string {
	if !src.byAmount {
		return src.names
	}
	seen := make([]bool, len(l.Names))
	for _, u := range users {
		_, ns := l.Events(u)
		ds := l.Details(u)
		for i := range ns {
			if !seen[ns[i]] && !l.isDerived(ns[i]) {
				if _, ok := l.Amount(ds[i]); ok {
					seen[ns[i]] = true
				}
			}
		}
	}
	out := []string{}
	for id, ok := range seen {
		if ok {
			out = append(out, l.Names[id])
		}
	}
	slices.Sort(out)
	return out
}

// isDerived reports whether name id is an event selector's (its rows stand
// beside the rows they come from, so they are not purchases of their own).
func (l *Log) isDerived(id int32) bool { return l.derived != nil && l.derived[id] }

// purchase is one order of a customer: when its first line happened, and the
// sum of its lines' amounts (0 without --amount).
type purchase struct {
	Time  int64
	Value float64
}

// moneyLine is a row with an amount: an order line, or a refund (negative).
type moneyLine struct {
	Time   int64
	Amount float64
}

// orderScan reads customers' orders one at a time, reusing its buffers.
type orderScan struct {
	src *orderSource
	l   *Log
	// after scan(u): u's orders in the time order of their first lines, and
	// every row with an amount (order lines and refunds) in time order
	orders []purchase
	lines  []moneyLine
	keys   map[string]int
	// counted over every scan
	missingID int64 // order lines without an --order-col value
	noAmount  int64 // order lines without an amount, with --amount
}

func newOrderScan(l *Log, src *orderSource) *orderScan {
	return &orderScan{src: src, l: l, keys: map[string]int{}}
}

// scan reads user u's orders. A row is a purchase line when its event is
// an order event (byAmount: when it carries an amount); a negative amount
// is a refund, which is revenue but never an order. Lines make one order
// when they share the --order-col value or, without it (or without a
// value), the timestamp: for date-only data, one order per customer-day.
func (s *orderScan) scan(u int32) {
	l, src := s.l, s.src
	ts, ns := l.Events(u)
	ds := l.Details(u)
	s.orders, s.lines = s.orders[:0], s.lines[:0]
	if len(s.keys) > 0 {
		clear(s.keys)
	}
	lastT, last := int64(math.MinInt64), -1 // the last order keyed by time
	for i, t := range ts {
		var amt float64
		has := false
		if src.amounts && ds != nil {
			amt, has = l.Amount(ds[i])
		}
		if src.byAmount {
			if !has || l.isDerived(ns[i]) {
				continue
			}
		} else if !src.ids[ns[i]] {
			continue
		}
		if has {
			s.lines = append(s.lines, moneyLine{t, amt})
			if amt < 0 {
				continue // a refund
			}
		} else if src.amounts {
			s.noAmount++
		}
		key := ""
		if src.col != "" && ds != nil {
			if key = l.Prop(src.col, ds[i]); key == "" {
				s.missingID++
			}
		}
		if key == "" {
			if last >= 0 && t == lastT {
				s.orders[last].Value += amt
				continue
			}
			s.orders = append(s.orders, purchase{Time: t, Value: amt})
			lastT, last = t, len(s.orders)-1
			continue
		}
		if j, ok := s.keys[key]; ok {
			s.orders[j].Value += amt
			continue
		}
		s.keys[key] = len(s.orders)
		s.orders = append(s.orders, purchase{Time: t, Value: amt})
	}
}

// warnings are the caveats of what the scans read.
func (s *orderScan) warnings() []Warning {
	var ws []Warning
	if s.missingID > 0 {
		ws = append(ws, Warning{Code: "missing_order_id", Message: fmt.Sprintf("%d purchase rows have no %s; each counts as an order of its own timestamp", s.missingID, s.src.col)})
	}
	if s.noAmount > 0 {
		ws = append(ws, Warning{Code: "orders_without_amount", Message: fmt.Sprintf("%d purchase rows carry no amount; they count as orders worth 0", s.noAmount)})
	}
	return ws
}

// orderParams are the order settings as params spell them out.
type orderParams struct {
	OrderEvents []string `json:"order_events"`
	OrderBasis  string   `json:"order_events_basis"`
	OrderCol    string   `json:"order_col"`
	OrderKey    string   `json:"order_key"`
}

// params describes src (over every user of the read).
func (src *orderSource) params(l *Log) orderParams {
	p := orderParams{OrderEvents: src.amountNames(l, l.AllUsers()), OrderBasis: src.basis, OrderCol: src.col, OrderKey: "customer_and_time"}
	if p.OrderEvents == nil {
		p.OrderEvents = []string{}
	}
	if src.col != "" {
		p.OrderKey = "order_col"
	}
	return p
}

// periodIndex maps sorted-ish instants to calendar period indexes, fast
// when consecutive instants fall on the same local day.
type periodIndex struct {
	cal Calendar
	day dayCache
}

func newPeriodIndex(cal Calendar) *periodIndex {
	return &periodIndex{cal: cal, day: dayCache{loc: cal.loc()}}
}

func (p *periodIndex) of(t int64) int { return p.cal.DayPeriod(p.day.index(t)) }

// periodTally keeps an accumulator per period index, made on first use,
// and knows which periods start inside the reporting range.
type periodTally[A any] struct {
	accs    map[int]*A
	inRange map[int]bool
	cal     Calendar
	rng     Range
}

func newPeriodTally[A any](cal Calendar, rng Range) *periodTally[A] {
	return &periodTally[A]{accs: map[int]*A{}, inRange: map[int]bool{}, cal: cal, rng: rng}
}

// get is period k's accumulator.
func (t *periodTally[A]) get(k int) *A {
	a := t.accs[k]
	if a == nil {
		a = new(A)
		t.accs[k] = a
	}
	return a
}

// listed reports whether period k starts inside the reporting range.
func (t *periodTally[A]) listed(k int) bool {
	v, ok := t.inRange[k]
	if !ok {
		v = t.rng.Contains(unixNS(t.cal.PeriodStart(k)))
		t.inRange[k] = v
	}
	return v
}

// listed are the periods lo..hi whose start is in the reporting range,
// each with its status: complete when it has ended by as_of.
func listedPeriodsOf(cal Calendar, r Range, lo, hi int) (ks []int, complete []bool) {
	for k := lo; k <= hi; k++ {
		if !r.Contains(unixNS(cal.PeriodStart(k))) {
			continue
		}
		ks = append(ks, k)
		complete = append(complete, r.Complete(unixNS(cal.PeriodStart(k+1))))
	}
	return ks, complete
}

// periodStatus names a period's completeness.
func periodStatus(complete bool) string {
	if complete {
		return "complete"
	}
	return "incomplete"
}
