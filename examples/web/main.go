// Command web serves a standard http.ServeMux with package evhttp over
// evloop connections:
//
//	/      "Hello, World!"
//	/echo  the request's body, streamed back as it comes
//	/ws    a WebSocket echo (package evhttp/websocket): every message comes
//	       back as it was sent (text or binary, up to 16 MiB); the text
//	       message "close CODE REASON" has the server close with that code
//
// Any other path is answered 404 by the ServeMux.
//
// Usage:
//
//	web [-addr addr] [-loops n] [-idle d] [-maxconns n] [-tls [-cert file -key file]]
//
// -addr takes an address in evloop's form (tcp://127.0.0.1:8080); port 0
// picks a free port. Once listening, web prints
// "web: listening on http://127.0.0.1:8080" and serves until SIGINT or
// SIGTERM, when it shuts down gracefully (WebSocket connections are closed
// with 1001, the requests running finish) and prints "web: shut down".
//
// With -tls it serves HTTPS (TLS 1.2 and 1.3, ALPN "http/1.1", /ws as
// wss://) over evloop's TLS listener, with the certificate of -cert and
// -key (PEM files), or without them a self-signed one for localhost,
// 127.0.0.1 and ::1 made at start, and prints
// "web: listening on https://127.0.0.1:8080".
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
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/goafd/afd/evhttp"
	"github.com/goafd/afd/evhttp/websocket"
	"github.com/goafd/afd/evloop"
	"github.com/goafd/afd/examples/internal/tlsflag"
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

// mux returns the routes of the server; ws upgrades the WebSocket ones.
func mux(ws *websocket.Upgrader) *http.ServeMux {
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
	m.HandleFunc("/ws", func(w http.ResponseWriter, r *http.Request) {
		ws.Upgrade(w, r, websocket.Handler{OnMessage: wsEcho})
	})
	return m
}

// wsEcho sends a message back, or closes on "close CODE REASON".
func wsEcho(c *websocket.Conn, typ websocket.MessageType, data []byte) {
	if typ == websocket.TextMessage {
		if rest, ok := strings.CutPrefix(string(data), "close "); ok {
			codeText, reason, _ := strings.Cut(rest, " ")
			if code, err := strconv.Atoi(codeText); err == nil && c.Close(code, reason) == nil {
				return
			}
		}
	}
	c.WriteMessage(typ, data)
}

// run serves until ctx is done, printing its address to out.
func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("web", flag.ContinueOnError)
	var (
		addr     = fs.String("addr", "tcp://127.0.0.1:8080", "`address` to serve")
		loops    = fs.Int("loops", 0, "event loops (0: GOMAXPROCS)")
		idle     = fs.Duration("idle", time.Minute, "close keep-alive connections idle this long (0: never)")
		maxConns = fs.Int("maxconns", 10000, "refuse connections beyond this many (0: no limit)")
		tlsFlags = tlsflag.Register(fs)
	)
	if err := fs.Parse(args); err != nil {
		return err
	}
	tlsCfg, err := tlsFlags.Config("http/1.1")
	if err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	ws := &websocket.Upgrader{MaxMessageSize: 16 << 20, CheckOrigin: func(*http.Request) bool { return true }}
	srv := &evhttp.Server{
		Handler:           mux(ws),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       *idle,
		EvloopConfig:      evloop.Config{Loops: *loops, MaxConns: *maxConns},
	}
	served := make(chan error, 1)
	ready := make(chan *evloop.Listener, 1)
	scheme := "http"
	if tlsCfg != nil {
		scheme = "https"
	}
	go func() {
		onReady := func(ln *evloop.Listener) { ready <- ln }
		if tlsCfg != nil {
			served <- srv.ListenAndServeTLS(*addr, tlsCfg, onReady)
		} else {
			served <- srv.ListenAndServe(*addr, onReady)
		}
	}()
	select {
	case err := <-served:
		return err
	case ln := <-ready:
		fmt.Fprintf(out, "web: listening on %s://%v\n", scheme, ln.Addr())
	}
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	// The WebSocket connections first (1001, going away): they are no
	// longer the HTTP server's, whose evloop.Server would cut them.
	if err := ws.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown of the WebSocket connections: %w", err)
	}
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	fmt.Fprintln(out, "web: shut down")
	return nil
}
