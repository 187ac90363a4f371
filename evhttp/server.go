package evhttp

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/goafd/afd/evhttp/internal/workpool"
	"github.com/goafd/afd/evloop"
)

// Defaults of the Server's fields.
const (
	// DefaultBodyWindow is the default of Server.BodyWindow.
	DefaultBodyWindow = 64 << 10
	// DefaultWriteWindow is the default of Server.WriteWindow.
	DefaultWriteWindow = 64 << 10
)

// A Server serves HTTP/1.1 with an http.Handler over the connections of
// an evloop.Server. Set its fields before the first Listen; the zero value
// serves http.DefaultServeMux with no timeouts, as http.Server does.
type Server struct {
	// Handler serves the requests; nil means http.DefaultServeMux.
	Handler http.Handler

	// ReadHeaderTimeout is the time a request's head (request line and
	// headers) may take to arrive, from the connection's opening (its
	// accept; over TLS, the end of its handshake, which evloop's
	// Config.TLSHandshakeTimeout bounds) for the first request and from
	// its first byte for the next ones; the
	// connection is closed without an answer when it is over, as by
	// net/http. Zero: ReadTimeout, as with net/http; both zero: no limit.
	ReadHeaderTimeout time.Duration

	// ReadTimeout is the time the reading of a whole request, body
	// included, may take, as with net/http: from the connection's
	// opening for its first request (as for ReadHeaderTimeout: over TLS,
	// net/http counts the handshake in, evhttp leaves it to evloop's
	// Config.TLSHandshakeTimeout), from the request's first byte for the
	// next ones. A body not complete by then fails the handler's Read with an
	// error matching os.ErrDeadlineExceeded (a net.Error whose Timeout is
	// true), after the bytes that came in time; the handler's answer is
	// still sent, and the connection closes after it. It is also the
	// default of ReadHeaderTimeout and IdleTimeout. Zero: no limit.
	//
	// Where it differs from net/http: it bounds the reading of the
	// request only, not reads after the body (net/http's deadline stays
	// on the connection, and its background read, which watches for the
	// client going while a handler runs, fails with it; here the client's
	// going is seen whatever the time, see the package doc).
	ReadTimeout time.Duration

	// WriteTimeout is the time the writing of a response may take, as
	// with net/http: from the end of the request's head, reset with each
	// request. Once it is over, the handler's Write, Flush and the end of
	// its response fail with an error matching os.ErrDeadlineExceeded (a
	// net.Error whose Timeout is true), a Write waiting for the client to
	// read returns with it, and the connection closes once the handler
	// has returned. Zero: no limit.
	//
	// Where it differs from net/http: there, bytes the kernel took before
	// the deadline leave, and the connection closes when the handler
	// returns; here too, but the bytes of the write window that evloop
	// took before the deadline leave with them, as the close flushes them
	// (within evloop's Config.LingerTimeout). The handler's
	// Request.Context is not cancelled by the timeout, in neither.
	WriteTimeout time.Duration

	// IdleTimeout is the time a keep-alive connection may wait for its
	// next request. Zero: ReadTimeout, as with net/http, or else
	// ReadHeaderTimeout; all zero: no limit.
	IdleTimeout time.Duration

	// MaxHeaderBytes caps a request's header, as http.Server's does (with
	// its 4096 bytes of slack for the request line); a request over it
	// is answered 431 and the connection closed. Zero:
	// http.DefaultMaxHeaderBytes.
	MaxHeaderBytes int

	// MaxHandlers is the number of goroutines that run handlers at most
	// (the pool). Requests beyond wait, in order, for one to be free,
	// on connections that hold nothing else meanwhile. Zero: 10,000.
	MaxHandlers int

	// BodyWindow is how many bytes of a request body the server holds
	// for its handler before it stops reading the connection (see the
	// package doc, Backpressure). Zero: DefaultBodyWindow.
	BodyWindow int

	// WriteWindow is how many bytes of a response may wait to be taken by
	// the socket before the handler's Write waits. Zero:
	// DefaultWriteWindow.
	WriteWindow int

	// ErrorLog logs handler panics; nil: the log package's standard
	// logger.
	ErrorLog *log.Logger

	// BaseContext, if set, returns the base context of requests.
	BaseContext func() context.Context

	// EvloopConfig configures the evloop.Server of ListenAndServe.
	EvloopConfig evloop.Config

	initOnce sync.Once
	std      *http.Server // for http.ServerContextKey
	pool     workpool.Pool
	base     context.Context

	mu        sync.Mutex
	conns     map[*hconn]struct{}
	listeners []*evloop.Listener
	own       *evloop.Server // the evloop.Server of ListenAndServe
	ownDone   chan struct{}
	state     atomic.Int32 // serverRunning, serverShuttingDown, serverClosed
}

const (
	serverRunning int32 = iota
	serverShuttingDown
	serverClosed
)

func (s *Server) init() {
	s.initOnce.Do(func() {
		s.pool.Max = s.MaxHandlers
		if s.pool.Max <= 0 {
			s.pool.Max = 10000
		}
		s.conns = make(map[*hconn]struct{})
		s.std = &http.Server{Handler: s.Handler, ReadHeaderTimeout: s.ReadHeaderTimeout,
			ReadTimeout: s.ReadTimeout, WriteTimeout: s.WriteTimeout,
			IdleTimeout: s.IdleTimeout, MaxHeaderBytes: s.MaxHeaderBytes}
		s.base = context.Background()
		if s.BaseContext != nil {
			s.base = s.BaseContext()
		}
	})
}

func (s *Server) handler() http.Handler {
	if s.Handler == nil {
		return http.DefaultServeMux
	}
	return s.Handler
}

func (s *Server) baseContext() context.Context { return s.base }
func (s *Server) shuttingDown() bool           { return s.state.Load() != serverRunning }

func (s *Server) idleTimeout() time.Duration {
	switch {
	case s.IdleTimeout > 0:
		return s.IdleTimeout
	case s.ReadTimeout > 0:
		return s.ReadTimeout
	}
	return s.ReadHeaderTimeout
}

func (s *Server) readHeaderTimeout() time.Duration {
	if s.ReadHeaderTimeout > 0 {
		return s.ReadHeaderTimeout
	}
	return s.ReadTimeout
}

func (s *Server) bodyWindow() int {
	if s.BodyWindow > 0 {
		return s.BodyWindow
	}
	return DefaultBodyWindow
}

func (s *Server) writeWindow() int {
	if s.WriteWindow > 0 {
		return s.WriteWindow
	}
	return DefaultWriteWindow
}

func (s *Server) logf(format string, args ...any) {
	if s.ErrorLog != nil {
		s.ErrorLog.Printf(format, args...)
	} else {
		log.Printf(format, args...)
	}
}

// EvloopHandler returns the evloop.Handler that serves HTTP with s, for
// evloop.Server.Listen or AddListener. Shutdown and Close do not close
// listeners made so (s.Listen makes one that they close), but do close
// their connections.
func (s *Server) EvloopHandler() evloop.Handler {
	s.init()
	return evloop.Handler{OnOpen: s.onOpen, OnTraffic: s.onTraffic, OnEOF: s.onEOF, OnClose: s.onClose}
}

// Listen serves HTTP on addr (in evloop's form, "tcp://127.0.0.1:8080")
// with the loops of es, and returns the listener, which Shutdown and Close
// close.
func (s *Server) Listen(es *evloop.Server, addr string) (*evloop.Listener, error) {
	return s.listen(es, addr, nil)
}

// ListenTLS is Listen for HTTPS: the connections do a TLS handshake with
// cfg (evloop.Server.ListenTLS, whose terms cfg follows) before they are
// served. Give cfg NextProtos "http/1.1" for ALPN; the server speaks no
// HTTP/2. WebSocket upgrades on it are wss://.
func (s *Server) ListenTLS(es *evloop.Server, addr string, cfg *tls.Config) (*evloop.Listener, error) {
	if cfg == nil {
		return nil, fmt.Errorf("evhttp: listen %s: TLS without a tls.Config", addr)
	}
	return s.listen(es, addr, cfg)
}

// listen serves on addr, with TLS if cfg is not nil.
func (s *Server) listen(es *evloop.Server, addr string, cfg *tls.Config) (*evloop.Listener, error) {
	if s.shuttingDown() {
		return nil, http.ErrServerClosed
	}
	var (
		ln  *evloop.Listener
		err error
	)
	if cfg != nil {
		ln, err = es.ListenTLS(addr, cfg, s.EvloopHandler())
	} else {
		ln, err = es.Listen(addr, s.EvloopHandler())
	}
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.listeners = append(s.listeners, ln)
	s.mu.Unlock()
	return ln, nil
}

// ListenAndServe serves HTTP on addr with an evloop.Server of its own
// (configured by s.EvloopConfig) until Shutdown or Close, and then returns
// http.ErrServerClosed, as http.Server's does. ready, if not nil, is
// called with the listener once it is serving.
func (s *Server) ListenAndServe(addr string, ready func(*evloop.Listener)) error {
	return s.listenAndServe(addr, nil, ready)
}

// ListenAndServeTLS is ListenAndServe for HTTPS, with cfg as ListenTLS
// takes it.
func (s *Server) ListenAndServeTLS(addr string, cfg *tls.Config, ready func(*evloop.Listener)) error {
	if cfg == nil {
		return fmt.Errorf("evhttp: listen %s: TLS without a tls.Config", addr)
	}
	return s.listenAndServe(addr, cfg, ready)
}

// listenAndServe is ListenAndServe, with TLS if cfg is not nil.
func (s *Server) listenAndServe(addr string, cfg *tls.Config, ready func(*evloop.Listener)) error {
	s.init()
	es, err := evloop.NewServer(s.EvloopConfig)
	if err != nil {
		return err
	}
	s.mu.Lock()
	if s.own != nil || s.shuttingDown() {
		s.mu.Unlock()
		es.Close()
		return http.ErrServerClosed
	}
	s.own, s.ownDone = es, make(chan struct{})
	done := s.ownDone
	s.mu.Unlock()
	ln, err := s.listen(es, addr, cfg)
	if err != nil {
		es.Close()
		close(done)
		return err
	}
	if ready != nil {
		ready(ln)
	}
	<-done
	return http.ErrServerClosed
}

// track adds a connection, or reports false once the server is shutting
// down.
func (s *Server) track(hc *hconn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shuttingDown() {
		return false
	}
	s.conns[hc] = struct{}{}
	return true
}

func (s *Server) untrack(hc *hconn) {
	s.mu.Lock()
	delete(s.conns, hc)
	s.mu.Unlock()
}

// Shutdown stops the server gracefully, as http.Server's does: it closes
// the listeners and the idle connections, lets the running requests
// finish (their responses say Connection: close) and closes their
// connections, and returns once all are closed, or ctx's error if ctx ends
// first, after which Close cuts what remains. The evloop.Server of
// ListenAndServe is shut down with it (its connections closing linger up to
// its Config.LingerTimeout for their peers to close); one given to Listen
// is not.
func (s *Server) Shutdown(ctx context.Context) error {
	s.init()
	s.state.CompareAndSwap(serverRunning, serverShuttingDown)
	s.closeListeners()
	conns := s.snapshot()
	for _, hc := range conns {
		hc.c.Run(func(*evloop.Conn) {
			if hc.state == connIdle || hc.state == connHead && hc.p.idle() {
				hc.close()
			} else {
				hc.closeAfter.Store(true)
			}
		})
	}
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		s.mu.Lock()
		n := len(s.conns)
		s.mu.Unlock()
		if n == 0 {
			break
		}
		select {
		case <-ctx.Done():
			s.Close()
			return ctx.Err()
		case <-tick.C:
		}
	}
	s.pool.Release()
	return s.stopOwn(func(es *evloop.Server) error { return es.Shutdown(ctx) })
}

// Close closes the listeners and the connections at once: running
// handlers see their writes and body reads fail and their request's
// context done. The connections of an evloop.Server given to Listen close
// as Conn.Close does (their pending output is flushed); the evloop.Server of
// ListenAndServe is closed.
func (s *Server) Close() error {
	s.init()
	s.state.Store(serverClosed)
	s.closeListeners()
	for _, hc := range s.snapshot() {
		hc.abort(http.ErrServerClosed)
		hc.c.Close()
	}
	s.pool.Release()
	return s.stopOwn(func(es *evloop.Server) error { return es.Close() })
}

func (s *Server) snapshot() []*hconn {
	s.mu.Lock()
	defer s.mu.Unlock()
	conns := make([]*hconn, 0, len(s.conns))
	for hc := range s.conns {
		conns = append(conns, hc)
	}
	return conns
}

func (s *Server) closeListeners() {
	s.mu.Lock()
	lns := s.listeners
	s.listeners = nil
	s.mu.Unlock()
	for _, ln := range lns {
		ln.Close()
	}
}

// stopOwn stops the evloop.Server of ListenAndServe, if any, with stop.
func (s *Server) stopOwn(stop func(*evloop.Server) error) error {
	s.mu.Lock()
	es, done := s.own, s.ownDone
	s.own = nil
	s.mu.Unlock()
	if es == nil {
		return nil
	}
	err := stop(es)
	close(done)
	if errors.Is(err, evloop.ErrServerClosed) {
		err = nil
	}
	return err
}
