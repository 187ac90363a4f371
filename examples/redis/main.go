// Command redis serves a small in-memory key-value store that speaks RESP2,
// the protocol of Redis, with package evloop: enough of it for redis-cli and
// redis-benchmark.
//
// Usage:
//
//	redis [-addr addr] [-loops n] [-idle d] [-maxconns n] [-tls [-cert file -key file]]
//
// -addr is an address in evloop's form (tcp://127.0.0.1:6379; a bare
// host:port means tcp://host:port); port 0 picks a free port. Once listening,
// redis prints "redis: listening on tcp://127.0.0.1:6379" and serves until
// SIGINT or SIGTERM, when it shuts down gracefully (answers already written
// are delivered) and prints "redis: shut down". With -tls it serves TLS
// (for redis-cli --tls) with the certificate of -cert and -key (PEM
// files), or without them with a self-signed certificate for localhost,
// 127.0.0.1 and ::1 made at start.
//
// # Commands
//
// PING [message], ECHO message, SET key value [EX seconds | PX milliseconds],
// GET key, DEL key [key ...] (answers how many keys it deleted), INCR key
// (on a value that is not a 64-bit decimal integer: "ERR value is not an
// integer or out of range"), COMMAND (answers an empty array, which is enough
// for redis-cli to start) and QUIT (answers +OK and closes). Command names
// are case-insensitive. An unknown command is answered with
// "-ERR unknown command '...'" and a wrong number of arguments with
// "-ERR wrong number of arguments for '...' command"; the connection stays
// open after both.
//
// All loops share one store: a map split into shards, each guarded by a
// mutex. A key set with EX or PX is deleted when it is next accessed after
// its time is up (there is no background expiry, so an expired key that is
// never accessed again keeps its memory).
//
// # Protocol
//
// A request is either an array of bulk strings (*2\r\n$3\r\nGET\r\n$1\r\nk\r\n),
// as clients send, or an inline command: a line of words separated by spaces
// or tabs (GET k\r\n), as typed into telnet (no quoting). Requests may be
// pipelined: all those that have arrived are answered in order with one
// write (one per 64 KiB of replies), and a request split across reads
// waits for its rest. A client that pipelines requests without reading
// the replies is answered until its pending replies reach the server's
// MaxOutbound (4 MiB); the rest of its requests wait until it reads, so
// that it holds at most about that much memory of the server, however
// large the replies it asks for.
//
// Limits: a bulk string may hold at most 1 MiB (maxBulk; Redis allows
// 512 MiB), an array at most 1024*1024 elements, an inline line at most
// 64 KiB, and a request as a whole at most 8 MiB (the server's MaxInbound: a
// client above it is disconnected without a reply). A protocol error (a
// request starting with a RESP type byte other than '*', an array element
// that is not a bulk string, a bad or oversized length, a bulk string not
// followed by \r\n) is answered with "-ERR Protocol error: ..." and the
// connection is closed.
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
		fmt.Fprintln(os.Stderr, "redis:", err)
		os.Exit(1)
	}
}

// shutdownTimeout bounds the graceful shutdown.
const shutdownTimeout = 10 * time.Second

// run serves until ctx is done, printing its address to out.
func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("redis", flag.ContinueOnError)
	var (
		addr     = fs.String("addr", "tcp://127.0.0.1:6379", "TCP `address` to serve")
		loops    = fs.Int("loops", 0, "event loops (0: GOMAXPROCS)")
		idle     = fs.Duration("idle", 0, "close connections idle this long (0: never)")
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
	if *addr == "" {
		return errors.New("no address to serve")
	}
	if !strings.Contains(*addr, "://") {
		*addr = "tcp://" + *addr
	}
	srv, err := evloop.NewServer(evloop.Config{
		Loops:       *loops,
		IdleTimeout: *idle,
		MaxConns:    *maxConns,
		MaxInbound:  maxRequest,
	})
	if err != nil {
		return err
	}
	var ln *evloop.Listener
	if tlsCfg != nil {
		ln, err = srv.ListenTLS(*addr, tlsCfg, handler(newStore()))
	} else {
		ln, err = srv.Listen(*addr, handler(newStore()))
	}
	if err != nil {
		srv.Close()
		return err
	}
	fmt.Fprintf(out, "redis: listening on %v\n", ln)
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	fmt.Fprintln(out, "redis: shut down")
	return nil
}

// flushAt is how many bytes of replies a batch gathers before it writes
// them: the connection's pending output then counts them, for
// Conn.OutboundFull.
const flushAt = 64 << 10

// session is the state of one connection, reused from request to request.
type session struct {
	args [][]byte // the request's arguments, slices of the inbound buffer
	out  []byte   // the replies to the requests of one OnTraffic
	name []byte   // the command name, upper-cased
}

// handler serves the commands on st.
func handler(st *store) evloop.Handler {
	return evloop.Handler{
		OnOpen: func(c *evloop.Conn) {
			c.SetContext(&session{args: make([][]byte, 0, 8), out: make([]byte, 0, 512)})
		},
		OnTraffic: func(c *evloop.Conn) {
			s := c.Context().(*session)
			buf, _ := c.Peek(-1)
			done, quit := 0, false
			// A peer may pipeline requests without reading the replies:
			// once the pending output is full, the rest waits (the loop
			// offers it again when the output has drained), so that the
			// replies to one read of small requests (GETs of a large
			// value) cannot take any amount of memory.
			for done < len(buf) && !quit && !c.OutboundFull() {
				args, n, perr := parse(buf[done:], s.args[:0])
				s.args = args[:0]
				if perr != "" {
					s.out = appendError(s.out, "ERR Protocol error: "+perr)
					quit = true
					break
				}
				if n == 0 { // incomplete: wait for the rest
					break
				}
				done += n
				if len(args) > 0 {
					quit = s.exec(st, args)
				}
				if len(s.out) >= flushAt {
					c.Write(s.out)
					s.out = s.out[:0]
				}
			}
			if len(s.out) > 0 {
				c.Write(s.out)
				s.out = s.out[:0]
			}
			if quit {
				c.Discard(-1)
				c.Close()
				return
			}
			c.Discard(done)
		},
	}
}
