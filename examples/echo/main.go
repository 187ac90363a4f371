// Command echo serves TCP and UDP echo with package evloop: every byte a
// TCP connection sends comes back, and every UDP datagram is answered
// with itself.
//
// Usage:
//
//	echo [-tcp addrs] [-udp addrs] [-loops n] [-idle d] [-maxconns n] [-tls [-cert file -key file]]
//
// -tcp and -udp take comma-separated addresses in evloop's form
// (tcp://127.0.0.1:7007, tcp6://[::1]:7007, udp://:7007); an empty list
// serves none. Port 0 picks a free port. Once listening, echo prints one
// line per listener, "echo: listening on tcp://127.0.0.1:7007", and then
// serves until SIGINT or SIGTERM, when it shuts down gracefully (pending
// echoes are delivered) and prints "echo: shut down".
//
// With -tls the TCP listeners serve TLS (1.2 and 1.3) with the
// certificate of -cert and -key (PEM files), or without them with a
// self-signed certificate for localhost, 127.0.0.1 and ::1 made at
// start; UDP stays plain. scripts/real-clients-tls.sh drives it with
// openssl s_client.
//
// examples/echo/client is a client for it that uses Go's standard library
// only and checks every byte (scripts/real-clients-echo.sh runs both).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/goafd/afd/evloop"
	"github.com/goafd/afd/examples/internal/tlsflag"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "echo:", err)
		os.Exit(1)
	}
}

// shutdownTimeout bounds the graceful shutdown.
const shutdownTimeout = 10 * time.Second

// run serves until ctx is done, printing its addresses to out.
func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("echo", flag.ContinueOnError)
	var (
		tcp      = fs.String("tcp", "tcp://127.0.0.1:7007", "TCP `addresses` to serve, comma-separated")
		udp      = fs.String("udp", "udp://127.0.0.1:7007", "UDP `addresses` to serve, comma-separated")
		loops    = fs.Int("loops", 0, "event loops (0: GOMAXPROCS)")
		idle     = fs.Duration("idle", time.Minute, "close connections idle this long (0: never)")
		maxConns = fs.Int("maxconns", 10000, "refuse connections beyond this many (0: no limit)")
		tlsFlags = tlsflag.Register(fs)
	)
	if err := fs.Parse(args); err != nil {
		return err
	}
	tlsCfg, err := tlsFlags.Config()
	if err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	srv, err := evloop.NewServer(evloop.Config{Loops: *loops, IdleTimeout: *idle, MaxConns: *maxConns})
	if err != nil {
		return err
	}
	h := evloop.Handler{
		OnTraffic: func(c *evloop.Conn) {
			data, _ := c.Next(-1)
			c.Write(data)
		},
		OnPacket: func(p *evloop.Packet) {
			p.Reply(p.Data()) // a full send buffer drops it: UDP may
		},
	}
	for i, list := range []string{*tcp, *udp} {
		for _, addr := range strings.Split(list, ",") {
			if addr = strings.TrimSpace(addr); addr == "" {
				continue
			}
			var ln *evloop.Listener
			if i == 0 && tlsCfg != nil {
				ln, err = srv.ListenTLS(addr, tlsCfg, h)
			} else {
				ln, err = srv.Listen(addr, h)
			}
			if err != nil {
				srv.Close()
				return err
			}
			fmt.Fprintf(out, "echo: listening on %v\n", ln)
		}
	}
	if len(srv.Listeners()) == 0 {
		srv.Close()
		return errors.New("no address to serve")
	}
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	fmt.Fprintln(out, "echo: shut down")
	return nil
}
