// Command web serves a standard http.ServeMux with package evhttp over
// evloop connections:
//
//	/      "Hello, World!"
//	/echo  the request's body, streamed back as it comes
//
// Any other path is answered 404 by the ServeMux.
//
// Usage:
//
//	web [-addr addr] [-loops n] [-idle d] [-maxconns n]
//
// -addr takes an address in evloop's form (tcp://127.0.0.1:8080); port 0
// picks a free port. Once listening, web prints
// "web: listening on http://127.0.0.1:8080" and serves until SIGINT or
// SIGTERM, when it shuts down gracefully (the requests running finish) and
// prints "web: shut down".
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/goafd/afd/evhttp"
	"github.com/goafd/afd/evloop"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "web:", err)
		os.Exit(1)
	}
}

// shutdownTimeout bounds the graceful shutdown.
const shutdownTimeout = 10 * time.Second

// mux returns the routes of the server.
func mux() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "Hello, World!")
	})
	m.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		if ct := r.Header.Get("Content-Type"); ct != "" {
			w.Header().Set("Content-Type", ct)
		} else {
			w.Header().Set("Content-Type", "application/octet-stream")
		}
		if r.ContentLength >= 0 {
			w.Header().Set("Content-Length", fmt.Sprint(r.ContentLength))
		}
		io.Copy(w, r.Body)
	})
	return m
}

// run serves until ctx is done, printing its address to out.
func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("web", flag.ContinueOnError)
	var (
		addr     = fs.String("addr", "tcp://127.0.0.1:8080", "`address` to serve")
		loops    = fs.Int("loops", 0, "event loops (0: GOMAXPROCS)")
		idle     = fs.Duration("idle", time.Minute, "close keep-alive connections idle this long (0: never)")
		maxConns = fs.Int("maxconns", 10000, "refuse connections beyond this many (0: no limit)")
	)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	srv := &evhttp.Server{
		Handler:           mux(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       *idle,
		EvloopConfig:      evloop.Config{Loops: *loops, MaxConns: *maxConns},
	}
	served := make(chan error, 1)
	ready := make(chan *evloop.Listener, 1)
	go func() { served <- srv.ListenAndServe(*addr, func(ln *evloop.Listener) { ready <- ln }) }()
	select {
	case err := <-served:
		return err
	case ln := <-ready:
		fmt.Fprintf(out, "web: listening on http://%v\n", ln.Addr())
	}
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	fmt.Fprintln(out, "web: shut down")
	return nil
}
