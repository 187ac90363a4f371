// Command netping is afdping written with the standard library's net
// package: it bounces one message within each of a number of socket
// pairs, a goroutine per socket, for a given number of events, and
// reports the rate. Each event is one receive and one send. afdbench
// compares its cost (time, allocations and, under Wine, wine-server
// requests per event) with afdping's, whose loop does the same through
// a poll.Poller.
//
// Go's net UDP does not run under Wine 8.0 (creating the socket fails:
// Wine rejects the SIO_UDP_NETRESET ioctl that Go sets on every UDP
// socket); -proto tcp bounces the message over connected TCP pairs,
// which does.
//
// Usage:
//
//	netping [-n events] [-pairs n] [-proto udp|tcp] [-json]
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"
)

// report is the -json output, the same as afdping's.
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
	// goroutines) is left out.
	AllocsPerEvent float64 `json:"allocs_per_event"`
}

func main() {
	n := flag.Int("n", 10000, "events to run")
	pairs := flag.Int("pairs", 1, "socket pairs, each bouncing its own message")
	proto := flag.String("proto", "udp", "sockets: udp (datagrams) or tcp (connected pairs)")
	asJSON := flag.Bool("json", false, "print the result as one line of JSON")
	flag.Parse()
	open := openUDP
	switch *proto {
	case "udp":
	case "tcp":
		open = openTCP
	default:
		fmt.Fprintf(os.Stderr, "netping: unknown protocol %q\n", *proto)
		os.Exit(2)
	}
	peers, err := open(*pairs)
	if err != nil {
		fmt.Fprintf(os.Stderr, "netping: %s sockets: %v\n", *proto, err)
		os.Exit(1)
	}
	elapsed, mallocs, err := bounce(peers, *n)
	if err != nil {
		fmt.Fprintln(os.Stderr, "netping:", err)
		os.Exit(1)
	}
	if *asJSON {
		r := report{Events: *n, Pairs: *pairs, Mode: "goroutines", Proto: *proto, Seconds: elapsed.Seconds(),
			EventsPerSec:   float64(*n) / elapsed.Seconds(),
			AllocsPerEvent: float64(mallocs) / float64(*n)}
		if err := json.NewEncoder(os.Stdout).Encode(r); err != nil {
			fmt.Fprintln(os.Stderr, "netping:", err)
			os.Exit(1)
		}
		return
	}
	fmt.Printf("%d events in %v: %.0f events/s (goroutines, %d pairs)\n", *n, elapsed.Round(time.Millisecond),
		float64(*n)/elapsed.Seconds(), *pairs)
}
