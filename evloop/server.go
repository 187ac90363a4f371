package evloop

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/goafd/afd/evloop/internal/tlssession"
	"github.com/goafd/afd/internal/sock"
)

// Handler holds the callbacks of a listener or a dialled connection. Each
// runs on the event loop of its connection, one at a time per loop, and
// must not block: a callback that waits holds up every connection of the
// loop. A nil field is a callback that does nothing; OnPacket is required
// for UDP listeners.
type Handler struct {
	// OnOpen is called once a connection is accepted or its Dial has
	// connected, before any OnTraffic. It may write (a greeting) or close.
	OnOpen func(c *Conn)

	// OnTraffic is called when data has arrived: the connection's
	// inbound buffer holds what the handler left unconsumed before and
	// what was just read. Consume it with Peek, Next and Discard; what
	// is left waits for the next OnTraffic. Without OnTraffic, inbound
	// data is discarded.
	OnTraffic func(c *Conn)

	// OnEOF, if set, is called once when the peer has shut down its
	// sending side (its end of stream: a TCP FIN, or a TLS close_notify),
	// after the OnTraffic of everything that came before it; the input
	// the handler left is still there. The connection stays open for
	// output, and the handler closes it when it has answered (a
	// half-closed client, as an HTTP/1.0 one that shuts down after its
	// request, still gets the answer). No more OnTraffic follows, even
	// after PauseRead and ResumeRead; IdleTimeout still applies. A Close
	// requested from another goroutine before the end of stream was read
	// goes first: no OnEOF then. Without OnEOF, the end of stream closes
	// the connection gracefully (its pending output is sent first).
	OnEOF func(c *Conn)

	// OnClose is called once when a connection is closed: after OnOpen,
	// or, for a Dial that failed to connect, instead of it. err says why:
	// nil for an orderly close (the peer's end of stream without OnEOF,
	// Close, Shutdown), the error otherwise (a reset, a failed connect,
	// ErrIdleTimeout, ErrServerClosed, ...). The socket is closed by
	// then; writes fail.
	OnClose func(c *Conn, err error)

	// OnPacket is called for every datagram a UDP listener receives.
	OnPacket func(p *Packet)

	// OnHandshakeError is called, for a listener of ListenTLS, when an
	// accepted connection closes before its TLS handshake has completed:
	// the handler has seen no OnOpen and gets no OnClose for it. err
	// says why (see ListenTLS). c is closed; its addresses still tell
	// who it was. A dialled connection reports its handshake's failure
	// to OnClose, like a failed connect.
	OnHandshakeError func(c *Conn, err error)
}

// Errors of the package, matchable with errors.Is.
var (
	// ErrServerClosed: the server is shut down or closed. OnClose gets it
	// for connections cut by Close, Listen and Dial return it afterwards.
	ErrServerClosed = errors.New("evloop: server closed")
	// ErrIdleTimeout: the connection was idle longer than
	// Config.IdleTimeout.
	ErrIdleTimeout = errors.New("evloop: idle timeout")
	// ErrCloseTimeout: a graceful close could not flush the pending
	// output within Config.LingerTimeout.
	ErrCloseTimeout = errors.New("evloop: close timed out with output pending")
	// ErrInboundFull: the handler left more than Config.MaxInbound bytes
	// unconsumed.
	ErrInboundFull = errors.New("evloop: inbound buffer full")
	// ErrOutboundFull: AsyncWrite was refused because the connection's
	// pending output exceeds Config.MaxOutbound.
	ErrOutboundFull = errors.New("evloop: outbound buffer full")
	// ErrLoopFailed: an event loop's poller failed, and the loop stopped
	// (see Config.OnError). The error wraps the poller's too.
	ErrLoopFailed = errors.New("evloop: event loop failed")
)

// Server states.
const (
	stateRunning int32 = iota
	stateShuttingDown
	stateClosed
)

// A Server runs event loops and the listeners and connections that they
// serve: Config.Loops goroutines, each with a poller of its own. Accepted
// and dialled connections are spread over the loops (the one with the
// fewest connections gets the next) and stay on their loop; each listener
// is served by one loop. Make one with NewServer; all its methods are safe
// for concurrent use, and from the callbacks of its handlers (see the
// package doc, "Calls from callbacks").
type Server struct {
	cfg   Config
	loops []*loop
	start time.Time // the loops' clocks count from here

	rr       atomic.Uint32 // round-robin start for picking a loop
	conns    atomic.Int64  // accepted connections open, for MaxConns
	refused  atomic.Int64  // connections refused for MaxConns
	state    atomic.Int32
	stopOnce sync.Once
	wg       sync.WaitGroup // the loops' goroutines
	stopped  chan struct{}  // closed when the loops have exited

	mu        sync.Mutex
	listeners []*Listener
	failures  []error // of loops whose poller failed

	tlsOnce sync.Once
	tlsPool *tlssession.Pool // the handshakes of ListenTLS and DialTLS, see tls.go
}

// recordFailure keeps the error of a failed loop for Shutdown and Close.
func (s *Server) recordFailure(err error) {
	s.mu.Lock()
	s.failures = append(s.failures, err)
	s.mu.Unlock()
}

// failure returns the errors of the failed loops, or nil.
func (s *Server) failure() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return errors.Join(s.failures...)
}

// NewServer starts cfg.Loops event loops, with nothing to serve yet: add
// listeners with Listen and outbound connections with Dial.
func NewServer(cfg Config) (*Server, error) {
	cfg = cfg.withDefaults()
	s := &Server{cfg: cfg, start: time.Now(), stopped: make(chan struct{})}
	for i := range cfg.Loops {
		l, err := newLoop(s, i)
		if err != nil {
			for _, l := range s.loops {
				l.p.Close()
			}
			return nil, fmt.Errorf("evloop: new server: %w", err)
		}
		s.loops = append(s.loops, l)
	}
	s.wg.Add(len(s.loops))
	for _, l := range s.loops {
		go l.run()
	}
	return s, nil
}

// Listen serves addr with h: TCP or Unix-domain stream connections
// (h.OnOpen, OnTraffic, OnClose) or UDP datagrams (h.OnPacket). An
// address is a network and an endpoint, "network://host:port" or
// "unix://path":
//
//	tcp://127.0.0.1:8080   tcp://[::1]:0   tcp4://:8080   tcp6://:8080
//	udp://127.0.0.1:5353   udp6://[::]:0   localhost:8080 (tcp)
//	unix:///run/app.sock   unix://app.sock (relative)   unix://@app (Linux: abstract)
//
// The networks are tcp, tcp4, tcp6, udp, udp4, udp6 and unix; without
// one, tcp. The host is an IP address, a name (resolved now; IPv4
// preferred for tcp and udp), or empty for every interface of one family
// (IPv4, or IPv6 for tcp6 and udp6). An IPv6 listener serves IPv6 only:
// listen on both families to serve both. Port 0 picks a free port, which
// the Listener's Addr tells.
//
// Unix-domain sockets are stream sockets, on Linux, macOS and the BSDs;
// on Windows Listen and Dial refuse them. A socket file left at the path
// by a server that is gone (connecting to it is refused) is removed
// first; any other file there fails Listen. Closing the listener removes
// its socket file.
//
// Called from a callback, Listen (like AddListener and AddPacketConn)
// has the listener served by the loop that runs the callback: that loop
// could not answer another goroutine before the callback returns.
func (s *Server) Listen(addr string, h Handler) (*Listener, error) {
	return s.listen(addr, h, nil)
}

// listen is Listen, and ListenTLS with tc.
func (s *Server) listen(addr string, h Handler, tc *tlssession.Config) (*Listener, error) {
	e, err := parseAddr(addr, true)
	if err != nil {
		return nil, err
	}
	if tc != nil && !e.stream {
		return nil, fmt.Errorf("evloop: listen %s: TLS needs a stream socket (tcp or unix)", e)
	}
	if !e.stream && h.OnPacket == nil {
		return nil, fmt.Errorf("evloop: listen %s: a UDP listener needs Handler.OnPacket", e)
	}
	if s.state.Load() != stateRunning {
		return nil, fmt.Errorf("evloop: listen %s: %w", e, ErrServerClosed)
	}
	var fd sock.Handle
	switch {
	case e.path != "":
		fd, err = sock.ListenUnix(e.path)
	case e.stream:
		fd, e.ap, err = sock.ListenOn(e.ap, s.cfg.ReusePort)
	default:
		fd, e.ap, err = sock.BindOn(e.ap)
	}
	if err != nil {
		return nil, fmt.Errorf("evloop: listen %s: %w", addr, err)
	}
	ln := &Listener{s: s, fd: fd, e: e, h: h, tls: tc}
	if err := s.serve(ln); err != nil {
		ln.closeSocket()
		return nil, fmt.Errorf("evloop: listen %s: %w", e, err)
	}
	return ln, nil
}

// serve sets the server's socket options on the socket of ln, hands ln
// to one of the loops and adds it to the server's listeners. On failure
// the caller still owns the socket.
func (s *Server) serve(ln *Listener) error {
	switch {
	case ln.e.path != "":
	case ln.e.stream:
		// Accepted sockets inherit it on Linux; set it on them too.
		sock.SetNoDelay(ln.fd, !s.cfg.Nagle)
	case s.cfg.SendBuffer > 0 || s.cfg.RecvBuffer > 0:
		sock.SetBuffers(ln.fd, s.cfg.SendBuffer, s.cfg.RecvBuffer)
	}
	ln.pkt.ln = ln
	if l := s.callerLoop(); l != nil {
		// From a callback: the loop would answer the task only once the
		// callback has returned. The listener is served by that loop,
		// unless it is failing (an OnClose of its closeAll).
		if l.dead.Load() {
			return s.failure()
		}
		ln.l = l
		if err := ln.open(l); err != nil {
			return err
		}
	} else {
		if ln.l = s.nextLive(); ln.l == nil {
			return s.failure()
		}
		done := make(chan error, 1)
		if !ln.l.post(task{kind: taskListen, ln: ln, done: done}) {
			return ErrServerClosed
		}
		if err := <-done; err != nil {
			return err
		}
	}
	s.mu.Lock()
	s.listeners = append(s.listeners, ln)
	s.mu.Unlock()
	return nil
}

// Listeners returns the server's listeners, in the order of Listen.
func (s *Server) Listeners() []*Listener {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*Listener(nil), s.listeners...)
}

// Dial connects to a TCP address (as for Listen, with a host) or a
// Unix-domain socket ("unix://path", not on Windows) and serves
// the connection with h on one of the loops. The connect does not block:
// Dial returns the Conn at once, h.OnOpen follows when it has connected,
// and a failure comes as h.OnClose with the error and no OnOpen before.
// Data given to AsyncWrite before then is sent once connected, after what
// OnOpen writes. Dial itself
// fails only for a bad or unresolvable address, or a server that is shut
// down; then no callback follows.
func (s *Server) Dial(addr string, h Handler) (*Conn, error) {
	return s.dial(addr, h, nil)
}

// dial is Dial, and DialTLS with tc.
func (s *Server) dial(addr string, h Handler, tc *tlssession.Config) (*Conn, error) {
	e, err := parseAddr(addr, false)
	if err != nil {
		return nil, err
	}
	if !e.stream {
		return nil, fmt.Errorf("evloop: dial %s: only TCP and unix can be dialled", e)
	}
	if s.state.Load() != stateRunning {
		return nil, fmt.Errorf("evloop: dial %s: %w", e, ErrServerClosed)
	}
	c := &Conn{h: &h, remote: e.ap, path: e.path, state: connConnecting, dialled: true}
	if tc != nil {
		c.tls = &tlsConn{cfg: tc, role: tlssession.Client}
	}
	if e.path != "" {
		c.fd, err = sock.DialUnix(e.path)
	} else {
		c.fd, err = sock.Dial(e.ap)
	}
	if err != nil {
		c.fd = badHandle
		c.err = fmt.Errorf("evloop: dial %s: %w", e, err)
	} else {
		s.connOptions(c.fd)
	}
	l := s.pick()
	if l == nil {
		if c.fd != badHandle {
			sock.Close(c.fd)
		}
		return nil, fmt.Errorf("evloop: dial %s: %w", e, s.failure())
	}
	c.l = l
	if !l.post(task{kind: taskAdd, c: c}) {
		l.nconn.Add(-1)
		if c.fd != badHandle {
			sock.Close(c.fd)
		}
		return nil, fmt.Errorf("evloop: dial %s: %w", e, ErrServerClosed)
	}
	return c, nil
}

// pick chooses the loop for a new connection, the live one with the
// fewest, and counts the connection on it at once so that concurrent
// picks see it. A failed loop has fewest of all (none): it is skipped,
// or it would get, and close at once, most new connections. pick
// returns nil if every loop has failed.
func (s *Server) pick() *loop {
	n := uint32(len(s.loops))
	start := s.rr.Add(1)
	var (
		best *loop
		min  int64
	)
	for i := uint32(0); i < n; i++ {
		l := s.loops[(start+i)%n]
		if l.dead.Load() {
			continue
		}
		if c := l.nconn.Load(); best == nil || c < min {
			best, min = l, c
			if min == 0 {
				break
			}
		}
	}
	if best != nil {
		best.nconn.Add(1)
	}
	return best
}

// nextLive returns the next live loop in round-robin order, for a
// listener, or nil if every loop has failed.
func (s *Server) nextLive() *loop {
	n := uint32(len(s.loops))
	start := s.rr.Add(1)
	for i := uint32(0); i < n; i++ {
		if l := s.loops[(start+i)%n]; !l.dead.Load() {
			return l
		}
	}
	return nil
}

// Shutdown stops the server gracefully: it closes the listeners, then
// closes every connection the way Conn.Close does (pending output,
// AsyncWrites accepted before included, is flushed, then the sending
// side is shut down and the peer's close awaited, at most
// Config.LingerTimeout), waits for all of them, stops the loops and
// returns nil, or the error of the loops that failed before (see
// Config.OnError). Connections still connecting are closed with
// ErrServerClosed. If ctx ends first, Shutdown closes what remains as
// Close does and returns ctx's error. Either way, every OnClose has
// returned and the loops have exited when it returns.
//
// A Shutdown called while another is under way (or after it) joins it:
// it waits for the same graceful shutdown, bounded by its own ctx, and
// returns as the first does. After Close, or once a Shutdown was cut
// short, it returns ErrServerClosed.
//
// From a callback, Shutdown cannot wait for the loop that runs the
// callback: it starts the shutdown (and the wait, bounded by ctx, in
// another goroutine) and returns nil at once; the callback's loop goes
// on with it once the callback returns.
func (s *Server) Shutdown(ctx context.Context) error {
	if s.state.CompareAndSwap(stateRunning, stateShuttingDown) {
		for _, l := range s.loops {
			l.post(task{kind: taskShutdown})
		}
	}
	if s.callerLoop() != nil {
		if s.state.Load() == stateClosed {
			go s.stop()
			return ErrServerClosed
		}
		go s.awaitShutdown(ctx)
		return nil
	}
	return s.awaitShutdown(ctx)
}

// awaitShutdown waits for the loops to drain, or ctx to end, and stops
// them.
func (s *Server) awaitShutdown(ctx context.Context) error {
	if s.state.Load() == stateClosed {
		s.stop()
		return ErrServerClosed
	}
	for _, l := range s.loops {
		select {
		case <-l.drained:
		case <-ctx.Done():
			s.state.Store(stateClosed)
			s.stop()
			return ctx.Err()
		}
	}
	s.stop()
	if s.state.Load() == stateClosed {
		return ErrServerClosed // Close cut the shutdown short
	}
	return s.failure()
}

// Close stops the server at once: it closes the listeners and every
// connection (OnClose gets ErrServerClosed; pending output is dropped)
// and returns when the loops have exited, with the error of the loops
// that failed before, if any (see Config.OnError). A Shutdown under way
// is cut short. A second Close, or one after Shutdown has finished,
// returns ErrServerClosed. From a callback, Close cannot wait for the loop that
// runs it: it starts the same work and returns at once.
func (s *Server) Close() error {
	var err error
	select {
	case <-s.stopped:
		err = ErrServerClosed
	default:
	}
	if s.state.Swap(stateClosed) == stateClosed {
		err = ErrServerClosed
	}
	if s.callerLoop() != nil {
		go s.stop()
	} else {
		s.stop()
	}
	if err == nil {
		err = s.failure()
	}
	return err
}

// stop makes the loops close what they serve and exit, waits for them
// and closes their pollers.
func (s *Server) stop() {
	s.stopOnce.Do(func() {
		for _, l := range s.loops {
			l.post(task{kind: taskStop})
		}
		s.wg.Wait()
		for _, l := range s.loops {
			l.p.Close()
		}
		close(s.stopped)
	})
	<-s.stopped
}

// Refused returns how many connections were refused because
// Config.MaxConns were open.
func (s *Server) Refused() int64 { return s.refused.Load() }

// Conns returns the accepted connections open now.
func (s *Server) Conns() int64 { return s.conns.Load() }

// connOptions sets the socket options of Config on a connection's
// socket: accepted, dialled or of AddConn. Failures are not errors of the
// connection: the options are hints.
func (s *Server) connOptions(fd sock.Handle) {
	sock.SetNoDelay(fd, !s.cfg.Nagle)
	if s.cfg.SendBuffer > 0 || s.cfg.RecvBuffer > 0 {
		sock.SetBuffers(fd, s.cfg.SendBuffer, s.cfg.RecvBuffer)
	}
	if s.cfg.KeepAlive > 0 {
		sock.SetKeepAlive(fd, s.cfg.KeepAlive)
	}
}

// badHandle marks a Conn whose socket could not be made.
const badHandle = ^sock.Handle(0)
