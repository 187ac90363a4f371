package micro

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/goafd/afd/bench/internal/result"
)

// A pingConfig is one size of the ping workload.
type pingConfig struct {
	proto string // "udp" or "tcp"
	pairs int
}

// workload is the result's Workload.
func (c pingConfig) workload() string { return "micro/" + c.proto + "-ping" }

// configs are the sizes measured: one pair (the cost of one event), 50
// (several events per Wait) and, for UDP, 5,000 pairs, 10,000 sockets
// (100 when quick).
func configs(quick bool) []pingConfig {
	many := 5000
	if quick {
		many = 100
	}
	return []pingConfig{{"udp", 1}, {"udp", 50}, {"udp", many}, {"tcp", 1}, {"tcp", 50}}
}

// A pinger is a ping program of a contender.
type pinger struct {
	contender string
	exe       string
	args      []string // before -n, -pairs and -proto
}

// events returns how many events a run of c makes: a fraction of a
// second's worth natively, one or two seconds' under Wine, where an
// event costs 20 to 70 times more, and with 5,000 pairs twice as many
// as pairs (half a minute under Wine, whose calls slow down with the
// number of pending polls); a tenth of that when quick.
func events(p *platform, c pingConfig, quick bool) int {
	n := 20000
	switch {
	case p.wine() && c.pairs > 1000:
		n = 10000
	case p.wine():
		n = 4000
	case c.pairs > 1000:
		n = 50000
	}
	if quick {
		n /= 10
	}
	return n
}

// pings measures events per second and allocations per event of each
// contender at each size, and under Wine requests per event.
func pings(ctx context.Context, p *platform, opt Options) ([]result.Result, error) {
	dir, err := os.MkdirTemp("", "micro-")
	if err != nil {
		return nil, fmt.Errorf("micro: %w", err)
	}
	defer os.RemoveAll(dir)
	defer p.stopWine()
	var rs []result.Result
	var pingers []pinger
	for _, b := range []struct {
		contender, dir, pkg string
		args                []string
	}{
		{afdPoll, ".", "./cmd/afdping", []string{"-mode", "level"}},
		{goNet, "bench", "./cmd/netping", nil},
	} {
		exe, err := p.build(ctx, b.dir, b.pkg, dir)
		if err != nil {
			for _, c := range configs(opt.Quick) {
				rs = append(rs, failed(p, c, b.contender, "events_per_sec", err))
			}
			continue
		}
		pingers = append(pingers, pinger{b.contender, exe, b.args})
	}
	type run struct {
		c  pingConfig
		pi pinger
	}
	var ok []run
	for _, c := range configs(opt.Quick) {
		for _, pi := range pingers {
			n := events(p, c, opt.Quick)
			opt.Progress("micro (%s): %s %s ping, %d pairs, %d events", p.name, pi.contender, c.proto, c.pairs, n)
			rep, err := ping(ctx, p, pi, c, n, false)
			if err != nil {
				opt.Progress("micro (%s): %v", p.name, err)
				rs = append(rs, failed(p, c, pi.contender, "events_per_sec", err))
				continue
			}
			r := result.Result{Platform: p.name, Workload: c.workload(), Conns: c.pairs, Contender: pi.contender}
			r.Metric, r.Value, r.Unit = "events_per_sec", rep.EventsPerSec, "events/s"
			rs = append(rs, r)
			r.Metric, r.Value, r.Unit = "allocs_per_event", rep.AllocsPerEvent, "allocs"
			rs = append(rs, r)
			opt.Progress("micro (%s): %.0f events/s, %.3g allocations per event", p.name, rep.EventsPerSec, rep.AllocsPerEvent)
			ok = append(ok, run{c, pi})
		}
		if err := ctx.Err(); err != nil {
			return rs, err
		}
	}
	if !p.wine() {
		return rs, nil
	}
	for _, r := range ok {
		rs = append(rs, requestsPerEvent(ctx, p, r.pi, r.c, opt)...)
		if err := ctx.Err(); err != nil {
			return rs, err
		}
	}
	return rs, nil
}

// ping runs pi for n events of c and returns its report.
func ping(ctx context.Context, p *platform, pi pinger, c pingConfig, n int, traced bool) (pingReport, error) {
	args := append(append([]string(nil), pi.args...),
		"-n", strconv.Itoa(n), "-pairs", strconv.Itoa(c.pairs), "-proto", c.proto, "-json")
	out, err := output(p.command(ctx, traced, pi.exe, args...), 10*time.Minute, p.wine())
	if err != nil {
		return pingReport{}, fmt.Errorf("%s %v: %w: %s", pi.contender, args, err, lastLines(out, 3))
	}
	rep, err := parsePing(out)
	if err != nil {
		return pingReport{}, fmt.Errorf("%s %v: %w", pi.contender, args, err)
	}
	return rep, nil
}

// failed is the result of a measurement that could not be made.
func failed(p *platform, c pingConfig, contender, metric string, err error) result.Result {
	return result.Result{Platform: p.name, Workload: c.workload(), Conns: c.pairs, Contender: contender,
		Metric: metric, Err: err.Error()}
}

// pingReport is the -json output of afdping and netping.
type pingReport struct {
	Events         int     `json:"events"`
	Pairs          int     `json:"pairs"`
	Mode           string  `json:"mode"`
	Proto          string  `json:"proto"`
	Seconds        float64 `json:"seconds"`
	EventsPerSec   float64 `json:"events_per_sec"`
	AllocsPerEvent float64 `json:"allocs_per_event"`
}

// parsePing reads the report in the output of afdping -json or netping
// -json: its last line that holds a JSON object (Wine may write lines of
// its own before).
func parsePing(out []byte) (pingReport, error) {
	lines := bytes.Split(bytes.TrimSpace(out), []byte("\n"))
	for i := len(lines) - 1; i >= 0; i-- {
		line := bytes.TrimSpace(lines[i])
		if !bytes.HasPrefix(line, []byte("{")) {
			continue
		}
		var r pingReport
		if err := json.Unmarshal(line, &r); err != nil {
			return pingReport{}, fmt.Errorf("report %s: %w", line, err)
		}
		if r.Events <= 0 || r.Seconds <= 0 {
			return pingReport{}, fmt.Errorf("report %s: no events or no time", line)
		}
		return r, nil
	}
	return pingReport{}, fmt.Errorf("no JSON report in the output: %s", lastLines(out, 3))
}
