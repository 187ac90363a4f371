// Package harness is what every benchmark server shares: its flags, the
// ready line, the commands it reads on stdin and the stats it reports, so
// that a server's main holds only the serving logic of its contender.
//
// The protocol, which afdbench drives:
//
//   - Flags: -addr host:port to listen on (default 127.0.0.1:0), -mode echo
//     (write back every byte read, in order), sink (read and discard) or
//     http (serve HTTPHandler over HTTP/1.1) or ws (upgrade every HTTP/1.1
//     request to a WebSocket and echo its messages), -tls (echo or sink inside
//     TLS, with a self-signed certificate made at start: SelfSigned),
//     -loops n (event loops or threads where the contender has them; 0 is
//     its default, GOMAXPROCS), -cpuprofile file (a pprof CPU profile of
//     the server, from start to stop). A server that does not offer TLS,
//     HTTP or WebSocket (see Feature) refuses -tls, -mode http or -mode ws
//     with exit status 2.
//   - Once listening, the server prints one line, "ready <host:port>", with
//     the address it is bound to. Errors go to stderr, with exit status 1.
//   - It then reads commands from stdin, one per line: "stats" prints one
//     line of Stats; "quit", or the end of stdin, stops the server, prints
//     "stopped" once it has and exits with status 0. Under Wine the
//     process may yet be killed after the line (see package serverproc),
//     which the line tells from a failure.
package harness

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Mode is what a server does with the bytes it reads.
type Mode string

const (
	// Echo writes back every byte read, in order.
	Echo Mode = "echo"
	// Sink reads and discards.
	Sink Mode = "sink"
	// HTTP serves HTTPHandler over HTTP/1.1, with keep-alive.
	HTTP Mode = "http"
	// WS upgrades every HTTP/1.1 request to a WebSocket and sends every
	// message back as it came (text or binary); Conns counts the
	// WebSocket connections open.
	WS Mode = "ws"
)

// A Feature is something a server may offer beyond plaintext echo and
// sink: package contenders lists which server offers which.
type Feature string

const (
	// TLS is echo and sink inside TLS (-tls).
	TLS Feature = "tls"
	// HTTPServer is -mode http.
	HTTPServer Feature = "http"
	// WebSocket is -mode ws.
	WebSocket Feature = "ws"
)

// Config is what the flags ask of a server.
type Config struct {
	// Addr is the TCP address to listen on, host:port; port 0 picks a
	// free one.
	Addr string
	// Mode is Echo, Sink, HTTP or WS.
	Mode Mode
	// TLS wraps echo or sink in TLS, with the certificate of TLSConfig.
	TLS bool
	// CPUProfile, if set, is the file Run writes a CPU profile (pprof)
	// of the server to, from its start to its stop: where its time per
	// message goes.
	CPUProfile string
	// Loops is the number of event loops or threads, where the
	// contender has them; 0 means its default (GOMAXPROCS).
	Loops int
}

// Server is a contender serving: what the harness needs to report on it
// and stop it.
type Server struct {
	// Addr is the address it is bound to.
	Addr net.Addr
	// Conns returns the number of connections open now, as the server
	// counts them.
	Conns func() int
	// Stop stops serving and closes every connection, promptly. The
	// harness calls it once.
	Stop func() error
}

// A ServeFunc starts serving as cfg says and returns once listening.
type ServeFunc func(cfg Config) (*Server, error)

// Main runs a benchmark server that offers the features offers: it parses
// the command line, starts serve, prints the ready line and answers the
// commands on stdin until quit. It exits the process with the protocol's
// status.
func Main(serve ServeFunc, offers ...Feature) {
	os.Exit(Run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, serve, offers...))
}

// Run is Main on the given arguments and streams; it returns the exit
// status: 0 after quit or the end of stdin (and the "stopped" line), 1 on
// errors, 2 on bad usage, a feature asked for that offers lacks included.
func Run(args []string, stdin io.Reader, stdout, stderr io.Writer, serve ServeFunc, offers ...Feature) int {
	name := "server"
	if len(os.Args) > 0 {
		name = filepath.Base(os.Args[0])
	}
	cfg, err := parseFlags(name, args, stderr, offers)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if cfg.CPUProfile != "" {
		stop, err := startCPUProfile(cfg.CPUProfile)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		defer func() {
			if err := stop(); err != nil {
				fmt.Fprintln(stderr, err)
			}
		}()
	}
	srv, err := serve(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "serve %s: %v\n", cfg.Addr, err)
		return 1
	}
	if _, err := fmt.Fprintf(stdout, "ready %s\n", srv.Addr); err != nil {
		srv.Stop()
		fmt.Fprintf(stderr, "write ready line: %v\n", err)
		return 1
	}
	if err := commands(stdin, stdout, stderr, srv); err != nil {
		fmt.Fprintln(stderr, err)
		srv.Stop()
		return 1
	}
	if err := srv.Stop(); err != nil {
		fmt.Fprintf(stderr, "stop: %v\n", err)
		return 1
	}
	if _, err := fmt.Fprintln(stdout, "stopped"); err != nil {
		fmt.Fprintf(stderr, "write stopped line: %v\n", err)
		return 1
	}
	return 0
}

// parseFlags reads the protocol's flags from args, for a server that
// offers offers; errors are reported on stderr.
func parseFlags(name string, args []string, stderr io.Writer, offers []Feature) (Config, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg Config
	fs.StringVar(&cfg.Addr, "addr", "127.0.0.1:0", "TCP `host:port` to listen on")
	mode := fs.String("mode", string(Echo), "echo (write back every byte read), sink (read and discard), http (serve HTTP/1.1) or ws (a WebSocket echo)")
	fs.BoolVar(&cfg.TLS, "tls", false, "echo or sink inside TLS, with a self-signed certificate")
	fs.StringVar(&cfg.CPUProfile, "cpuprofile", "", "write a CPU profile of the server, from start to stop, to `file`")
	fs.IntVar(&cfg.Loops, "loops", 0, "event loops or threads (0: the contender's default, GOMAXPROCS)")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	switch cfg.Mode = Mode(*mode); {
	case fs.NArg() > 0:
		err := fmt.Errorf("unexpected arguments %q", fs.Args())
		fmt.Fprintln(stderr, err)
		return cfg, err
	case cfg.Mode != Echo && cfg.Mode != Sink && cfg.Mode != HTTP && cfg.Mode != WS:
		err := fmt.Errorf("-mode %q: want echo, sink, http or ws", *mode)
		fmt.Fprintln(stderr, err)
		return cfg, err
	case cfg.Mode == HTTP && !slices.Contains(offers, HTTPServer):
		err := fmt.Errorf("-mode http: %s does not serve HTTP", name)
		fmt.Fprintln(stderr, err)
		return cfg, err
	case cfg.Mode == WS && !slices.Contains(offers, WebSocket):
		err := fmt.Errorf("-mode ws: %s does not serve WebSocket", name)
		fmt.Fprintln(stderr, err)
		return cfg, err
	case cfg.TLS && !slices.Contains(offers, TLS):
		err := fmt.Errorf("-tls: %s does not serve TLS", name)
		fmt.Fprintln(stderr, err)
		return cfg, err
	case cfg.TLS && (cfg.Mode == HTTP || cfg.Mode == WS):
		err := errors.New("-tls goes with -mode echo or sink")
		fmt.Fprintln(stderr, err)
		return cfg, err
	case cfg.Loops < 0:
		err := fmt.Errorf("-loops %d: want 0 or more", cfg.Loops)
		fmt.Fprintln(stderr, err)
		return cfg, err
	}
	return cfg, nil
}

// commands answers the commands on stdin until quit or its end. Unknown
// commands are reported on stderr and ignored.
func commands(stdin io.Reader, stdout, stderr io.Writer, srv *Server) error {
	sc := bufio.NewScanner(stdin)
	for sc.Scan() {
		switch cmd := strings.TrimSpace(sc.Text()); cmd {
		case "stats":
			if _, err := fmt.Fprintln(stdout, ReadStats(srv.Conns())); err != nil {
				return fmt.Errorf("write stats: %w", err)
			}
		case "quit":
			return nil
		case "":
		default:
			fmt.Fprintf(stderr, "unknown command %q (want stats or quit)\n", cmd)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read commands: %w", err)
	}
	return nil
}
