package micro

import (
	"cmp"
	"context"
	"maps"
	"slices"

	"github.com/goafd/afd/bench/internal/result"
	"github.com/goafd/afd/bench/internal/winetrace"
)

// requestsPerEvent counts the wine-server requests per event of pi at
// size c: it runs pi for n1 and for n2 events, each under a fresh
// tracing server, and divides the difference in requests by the
// difference in events, so that start-up and shutdown cancel out. It
// returns metric "requests_per_event", "own_requests_per_event" (the
// same without the Go runtime's share, see runtimeRequests) and, for
// each request name whose share is at least 0.05 per event,
// "requests_per_event/NAME".
func requestsPerEvent(ctx context.Context, p *platform, pi pinger, c pingConfig, opt Options) []result.Result {
	n1, n2 := traceEvents(c, opt.Quick)
	opt.Progress("micro (wine): %s %s ping, %d pairs: wine-server requests for %d and %d events",
		pi.contender, c.proto, c.pairs, n1, n2)
	r1, err := countRequests(ctx, p, pi, c, n1)
	var r2 map[string]int64
	if err == nil {
		r2, err = countRequests(ctx, p, pi, c, n2)
	}
	if err != nil {
		opt.Progress("micro (wine): %v", err)
		return []result.Result{failed(p, c, pi.contender, "requests_per_event", err)}
	}
	perEvent := requestDelta(r1, r2, n2-n1)
	var total, own float64
	for name, v := range perEvent {
		total += v
		if !runtimeRequests[name] {
			own += v
		}
	}
	base := result.Result{Platform: p.name, Workload: c.workload(), Conns: c.pairs, Contender: pi.contender,
		Unit: "requests"}
	r := base
	r.Metric, r.Value = "requests_per_event", total
	rs := []result.Result{r}
	r.Metric, r.Value = "own_requests_per_event", own
	rs = append(rs, r)
	opt.Progress("micro (wine): %.2f requests per event, %.2f without the Go runtime's", total, own)
	// Largest share first.
	names := slices.SortedFunc(maps.Keys(perEvent), func(a, b string) int {
		return cmp.Or(cmp.Compare(perEvent[b], perEvent[a]), cmp.Compare(a, b))
	})
	for _, name := range names {
		if v := perEvent[name]; v >= 0.05 || v <= -0.05 {
			r := base
			r.Metric, r.Value = "requests_per_event/"+name, v
			rs = append(rs, r)
			opt.Progress("micro (wine):   %6.2f %s", v, name)
		}
	}
	return rs
}

// traceEvents returns the events of the two traced runs of c: 2,000 and
// 6,000 (500 and 1,500 when quick), or more with many pairs, so that
// every pair bounces at least twice in the first run and twice more in
// the second: the first messages of a run are all in flight at once,
// which is not the steady state that the difference should measure.
func traceEvents(c pingConfig, quick bool) (n1, n2 int) {
	n1, d := 2000, 4000
	if quick {
		n1, d = 500, 1000
	}
	n1 = max(n1, 2*c.pairs)
	return n1, n1 + max(d, 2*c.pairs)
}

// runtimeRequests are the requests that the Go runtime makes to park
// and wake its threads (select, event_op) and for sysmon's timer
// (set_timer). Every Go program that makes system calls under Wine pays
// them, in proportion to its running time rather than to its events, so
// they vary with the machine's load from run to run (afdping with one
// pair measured 11.7 to 21.9 requests per event in all on a shared
// machine); what is left is the program's own cost, which does not.
var runtimeRequests = map[string]bool{"select": true, "event_op": true, "set_timer": true}

// countRequests runs pi for n events of c under a tracing wine server
// and returns the requests it logged, by name.
func countRequests(ctx context.Context, p *platform, pi pinger, c pingConfig, n int) (map[string]int64, error) {
	t, err := winetrace.Start(ctx, p.prefix)
	if err != nil {
		return nil, err
	}
	_, err = ping(ctx, p, pi, c, n, true)
	var byName map[string]int64
	if err == nil {
		byName, err = t.ByName()
	}
	if cerr := t.Close(); err == nil {
		err = cerr
	}
	return byName, err
}

// requestDelta returns, per request name, the difference between the
// counts of two runs divided by the difference in events: the requests
// per event of each kind.
func requestDelta(r1, r2 map[string]int64, events int) map[string]float64 {
	d := make(map[string]float64)
	for name, v := range r2 {
		d[name] = float64(v-r1[name]) / float64(events)
	}
	for name, v := range r1 {
		if _, ok := r2[name]; !ok {
			d[name] = -float64(v) / float64(events)
		}
	}
	return d
}
