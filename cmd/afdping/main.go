// Command afdping bounces one message between two sockets through a
// poll.Poller, for a given number of events, and reports the rate. Each
// event is one readiness report, one receive and one send: the loop that
// the cost of a poller is measured with. The sockets are UDP sockets
// (datagrams) or, with -proto tcp, connected TCP pairs.
//
// Under Wine every Windows call is a request to the wine server, so
// counting those requests per event gives a cost that machine noise
// cannot move; scripts/count-requests.sh runs afdping twice under a
// tracing wine server and prints the requests per event.
//
// With -json the result is one line of JSON (see report) instead of the
// sentence, for programs that collect the figures.
//
// Usage:
//
//	afdping [-n events] [-pairs n] [-mode level|edge|oneshot|spin] [-proto udp|tcp] [-watch-closes] [-json]
//
// The poller is made with poll.DeleteBeforeClose, as in an event loop that
// owns its sockets; -watch-closes measures the default Poller instead,
// which on Windows keeps a poll per socket to notice closes.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/goafd/afd/poll"
)

// report is the -json output.
type report struct {
	Events int    `json:"events"`
	Pairs  int    `json:"pairs"`
	Mode   string `json:"mode"`
	Proto  string `json:"proto"`
	// Seconds is the time from the first send to the last event.
	Seconds      float64 `json:"seconds"`
	EventsPerSec float64 `json:"events_per_sec"`
	// AllocsPerEvent is the number of heap allocations from the first
	// send to the last event, divided by the events; the setup (sockets,
	// poller, registrations) is left out.
	AllocsPerEvent float64 `json:"allocs_per_event"`
}

func main() {
	n := flag.Int("n", 10000, "events to run")
	pairs := flag.Int("pairs", 1, "socket pairs, each bouncing its own datagram")
	mode := flag.String("mode", "level", "registration mode: level, edge or oneshot; spin: no poller, retry receives until one succeeds (the cost of the I/O alone)")
	proto := flag.String("proto", "udp", "sockets: udp (datagrams) or tcp (connected pairs)")
	asJSON := flag.Bool("json", false, "print the result as one line of JSON")
	watchCloses := flag.Bool("watch-closes", false, "make the poller without poll.DeleteBeforeClose")
	flag.Parse()
	var flags poll.Events
	run := run
	switch *mode {
	case "spin":
		run = spin
	case "level":
	case "edge":
		flags = poll.Edge
	case "oneshot":
		flags = poll.Oneshot
	default:
		fmt.Fprintf(os.Stderr, "afdping: unknown mode %q\n", *mode)
		os.Exit(2)
	}
	open := openUDP
	switch *proto {
	case "udp":
	case "tcp":
		open = openTCP
	default:
		fmt.Fprintf(os.Stderr, "afdping: unknown protocol %q\n", *proto)
		os.Exit(2)
	}
	l, err := open(*pairs)
	if err != nil {
		fmt.Fprintf(os.Stderr, "afdping: %s sockets: %v\n", *proto, err)
		os.Exit(1)
	}
	defer l.close()
	var opts []poll.Option
	if !*watchCloses {
		opts = append(opts, poll.DeleteBeforeClose())
	}
	m, err := run(l, *n, flags, opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "afdping:", err)
		os.Exit(1)
	}
	if *asJSON {
		r := report{Events: *n, Pairs: *pairs, Mode: *mode, Proto: *proto, Seconds: m.elapsed.Seconds(),
			EventsPerSec: float64(*n) / m.elapsed.Seconds(), AllocsPerEvent: float64(m.mallocs) / float64(*n)}
		if err := json.NewEncoder(os.Stdout).Encode(r); err != nil {
			fmt.Fprintln(os.Stderr, "afdping:", err)
			os.Exit(1)
		}
		return
	}
	fmt.Printf("%d events in %v: %.0f events/s (%s, %d pairs)\n", *n, m.elapsed.Round(time.Millisecond),
		float64(*n)/m.elapsed.Seconds(), *mode, *pairs)
}

// run bounces a message within each pair of l until n events were
// handled. The key of a registration is its socket's index.
func run(l *links, n int, flags poll.Events, opts []poll.Option) (measurement, error) {
	p, err := poll.New(opts...)
	if err != nil {
		return measurement{}, err
	}
	defer p.Close()
	for i, s := range l.h {
		if err := p.Add(uintptr(s), uint64(i), poll.In|flags); err != nil {
			return measurement{}, err
		}
	}
	buf := make([]byte, 64)
	events := make([]poll.Event, 128)
	m := startMeter()
	if err := l.serve(); err != nil {
		return measurement{}, err
	}
	for done := 0; done < n; {
		k, err := p.Wait(events, 5*time.Second)
		if err != nil {
			return measurement{}, err
		}
		if k == 0 {
			return measurement{}, fmt.Errorf("no event in 5s after %d events", done)
		}
		for _, e := range events[:k] {
			i := int(e.Key)
			ok, err := l.bounce(i, buf)
			if err != nil {
				return measurement{}, err
			}
			if !ok {
				continue // a stale report
			}
			done++
			switch {
			case flags&poll.Oneshot != 0:
				err = p.Modify(uintptr(l.h[i]), e.Key, poll.In|flags)
			case flags&poll.Edge != 0:
				// One message is in flight per pair, so this read drained
				// the socket: tell the poller, as edge mode asks.
				err = p.Rearm(uintptr(l.h[i]), poll.In)
			}
			if err != nil {
				return measurement{}, err
			}
		}
	}
	return m.stop(), nil
}

// spin bounces messages like run, without a poller: it retries each
// socket's receive until one succeeds. What it costs per event is the
// receive and the send alone, plus the receives that found nothing.
func spin(l *links, n int, _ poll.Events, _ []poll.Option) (measurement, error) {
	buf := make([]byte, 64)
	m := startMeter()
	if err := l.serve(); err != nil {
		return measurement{}, err
	}
	deadline := time.Now().Add(time.Minute)
	for done := 0; done < n; {
		for i := range l.h {
			ok, err := l.bounce(i, buf)
			if err != nil {
				return measurement{}, err
			}
			if ok {
				done++
			}
		}
		if time.Now().After(deadline) {
			return measurement{}, fmt.Errorf("only %d events in a minute", done)
		}
	}
	return m.stop(), nil
}
