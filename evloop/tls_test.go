package evloop

import (
	"bytes"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goafd/afd/internal/testpki"
)

// tlsDial connects a crypto/tls client to ln and completes the
// handshake.
func tlsDial(t testing.TB, ln *Listener, cfg *tls.Config) *tls.Conn {
	t.Helper()
	c, err := tlsDialErr(ln, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func tlsDialErr(ln *Listener, cfg *tls.Config) (*tls.Conn, error) {
	raw, err := net.DialTimeout("tcp", ln.Addr().String(), waitTimeout)
	if err != nil {
		return nil, err
	}
	raw.SetDeadline(time.Now().Add(ioDeadline))
	c := tls.Client(raw, cfg)
	if err := c.Handshake(); err != nil {
		raw.Close()
		return nil, err
	}
	return c, nil
}

// TestTLSEcho: crypto/tls clients get their bytes echoed through a
// ListenTLS listener, with TLS 1.2 and 1.3, messages of every size up to
// 64 KiB and 1 MiB each way at once; OnOpen comes after the handshake,
// with the version in ConnectionState.
func TestTLSEcho(t *testing.T) {
	pki := newPKI(t)
	for _, v := range versions {
		t.Run(v.name, func(t *testing.T) {
			s := newServer(t, Config{Loops: 2, ReadBufferSize: 16 << 10})
			opened := make(chan uint16, 16)
			h := echoHandler()
			h.OnOpen = func(c *Conn) {
				cs, ok := c.ConnectionState()
				if !ok || !cs.HandshakeComplete {
					t.Errorf("OnOpen: ConnectionState %v, complete %v", ok, cs.HandshakeComplete)
				}
				opened <- cs.Version
			}
			ln, err := s.ListenTLS("tcp://127.0.0.1:0", pki.serverConfig(v.v), h)
			if err != nil {
				t.Fatal(err)
			}
			conns := scaled(8, 4)
			err = runClients(conns, func(i int) error {
				c, err := tlsDialErr(ln, pki.clientConfig(v.v))
				if err != nil {
					return err
				}
				defer c.Close()
				return echoRounds(c, uint64(i), scaled(20, 5), 64<<10)
			})
			if err != nil {
				t.Fatal(err)
			}
			for range conns {
				if got := recv(t, opened, "OnOpen"); got != v.v {
					t.Fatalf("version %x, want %x", got, v.v)
				}
			}
			// 1 MiB written while the echo comes back.
			c := tlsDial(t, ln, pki.clientConfig(v.v))
			big := make([]byte, 1<<20)
			rand.Read(big)
			errc := make(chan error, 1)
			go func() { _, err := c.Write(big); errc <- err }()
			back := make([]byte, len(big))
			if _, err := io.ReadFull(c, back); err != nil {
				t.Fatal(err)
			}
			if err := <-errc; err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(back, big) {
				t.Fatal("1 MiB echo differs")
			}
		})
	}
}

// TestTLSSNIAndALPN: GetCertificate picks the certificate by the name
// the client asks for, ALPN picks the protocol, and OnOpen sees both in
// ConnectionState; the client verifies the certificate for its name.
func TestTLSSNIAndALPN(t *testing.T) {
	ca := testpki.NewCA(t, "sni CA")
	certs := map[string]tls.Certificate{
		"a.test": ca.Server(t, "a.test"),
		"b.test": ca.Server(t, "b.test"),
	}
	cfg := &tls.Config{
		GetCertificate: func(hi *tls.ClientHelloInfo) (*tls.Certificate, error) {
			c, ok := certs[hi.ServerName]
			if !ok {
				return nil, errors.New("no certificate for " + hi.ServerName)
			}
			return &c, nil
		},
		NextProtos: []string{"h2", "echo/1"},
	}
	s := newServer(t, Config{})
	type seen struct{ name, proto string }
	got := make(chan seen, 2)
	h := echoHandler()
	h.OnOpen = func(c *Conn) {
		cs, _ := c.ConnectionState()
		got <- seen{cs.ServerName, cs.NegotiatedProtocol}
	}
	ln, err := s.ListenTLS("tcp://127.0.0.1:0", cfg, h)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"a.test", "b.test"} {
		c := tlsDial(t, ln, &tls.Config{RootCAs: ca.Pool, ServerName: name, NextProtos: []string{"echo/1"}})
		if err := echoRounds(c, 1, 2, 100); err != nil {
			t.Fatal(err)
		}
		if p := c.ConnectionState().NegotiatedProtocol; p != "echo/1" {
			t.Fatalf("client: ALPN %q", p)
		}
		if g := recv(t, got, "OnOpen"); g != (seen{name, "echo/1"}) {
			t.Fatalf("server saw %+v, want %s and echo/1", g, name)
		}
	}
}

// TestTLSClientAuth: with RequireAndVerifyClientCert, a client with a
// certificate of the trusted CA is served and OnOpen sees it; one with a
// certificate of another CA is refused, and OnHandshakeError gets an
// error that errors.As finds x509.UnknownAuthorityError in.
func TestTLSClientAuth(t *testing.T) {
	pki := newPKI(t)
	clientCA := testpki.NewCA(t, "client CA")
	good := clientCA.Client(t, "good client")
	bad := testpki.NewCA(t, "rogue CA").Client(t, "bad client")
	for _, v := range versions {
		t.Run(v.name, func(t *testing.T) {
			cfg := pki.serverConfig(v.v)
			cfg.ClientAuth = tls.RequireAndVerifyClientCert
			cfg.ClientCAs = clientCA.Pool
			s := newServer(t, Config{})
			peers := make(chan string, 1)
			hsErr := make(chan error, 1)
			h := echoHandler()
			h.OnOpen = func(c *Conn) {
				cs, _ := c.ConnectionState()
				peers <- cs.PeerCertificates[0].Subject.CommonName
			}
			h.OnHandshakeError = func(c *Conn, err error) { hsErr <- err }
			ln, err := s.ListenTLS("tcp://127.0.0.1:0", cfg, h)
			if err != nil {
				t.Fatal(err)
			}

			cc := pki.clientConfig(v.v)
			cc.Certificates = []tls.Certificate{good}
			c := tlsDial(t, ln, cc)
			if err := echoRounds(c, 1, 2, 100); err != nil {
				t.Fatal(err)
			}
			if cn := recv(t, peers, "OnOpen"); cn != "good client" {
				t.Fatalf("peer %q", cn)
			}

			cc = pki.clientConfig(v.v)
			cc.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &bad, nil }
			c2, err := tlsDialErr(ln, cc)
			if err == nil {
				// TLS 1.3: the client's handshake ends before the
				// server has checked its certificate; the alert comes
				// to the first read.
				defer c2.Close()
				_, err = c2.Read(make([]byte, 1))
			}
			// crypto/tls's client reports the alert it received as
			// text only (a *net.OpError around an unexported type).
			if err == nil || !strings.Contains(err.Error(), tls.AlertError(48).Error()) { // unknown_ca
				t.Errorf("client: %v, want the alert unknown_ca", err)
			}
			serr := recv(t, hsErr, "OnHandshakeError")
			var unknown x509.UnknownAuthorityError
			var tlsErr *TLSError
			if !errors.As(serr, &unknown) || !errors.As(serr, &tlsErr) || tlsErr.Op != "handshake" {
				t.Fatalf("OnHandshakeError: %v (%T), want an x509.UnknownAuthorityError in a *TLSError", serr, serr)
			}
		})
	}
}

// TestTLSResumption: a client with a session cache resumes its session
// on its second connection, with TLS 1.2 and 1.3; both sides see
// DidResume.
func TestTLSResumption(t *testing.T) {
	pki := newPKI(t)
	for _, v := range versions {
		t.Run(v.name, func(t *testing.T) {
			s := newServer(t, Config{})
			resumed := make(chan bool, 2)
			h := echoHandler()
			h.OnOpen = func(c *Conn) {
				cs, _ := c.ConnectionState()
				resumed <- cs.DidResume
			}
			ln, err := s.ListenTLS("tcp://127.0.0.1:0", pki.serverConfig(v.v), h)
			if err != nil {
				t.Fatal(err)
			}
			cc := pki.clientConfig(v.v)
			cc.ClientSessionCache = tls.NewLRUClientSessionCache(4)
			for i, want := range []bool{false, true} {
				c := tlsDial(t, ln, cc)
				// A round trip: TLS 1.3 tickets come after the
				// handshake, read with the first data.
				if err := echoRounds(c, 1, 1, 10); err != nil {
					t.Fatal(err)
				}
				if c.ConnectionState().DidResume != want {
					t.Fatalf("connection %d: client DidResume %v", i, !want)
				}
				if got := recv(t, resumed, "OnOpen"); got != want {
					t.Fatalf("connection %d: server DidResume %v", i, got)
				}
				c.Close()
			}
		})
	}
}

// clientHello returns the first flight of a crypto/tls client: one
// record with a ClientHello.
func clientHello(t testing.TB) []byte {
	t.Helper()
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	go tls.Client(a, &tls.Config{ServerName: "server.test"}).Handshake()
	hdr := make([]byte, 5)
	if _, err := io.ReadFull(b, hdr); err != nil {
		t.Fatal(err)
	}
	rec := make([]byte, 5+(int(hdr[3])<<8|int(hdr[4])))
	copy(rec, hdr)
	if _, err := io.ReadFull(b, rec[5:]); err != nil {
		t.Fatal(err)
	}
	return rec
}

// rawDial connects a plain TCP client to ln.
func rawDial(t testing.TB, ln *Listener) *net.TCPConn {
	t.Helper()
	return dial(t, ln).(*net.TCPConn)
}

// badHandshake serves a TLS listener whose handshakes fail, recording
// their errors.
func badHandshake(t *testing.T, cfg Config) (*Listener, chan error) {
	pki := newPKI(t)
	s := newServer(t, cfg)
	errs := make(chan error, 8)
	h := echoHandler()
	h.OnOpen = func(c *Conn) { t.Errorf("OnOpen for a handshake that cannot complete") }
	h.OnClose = func(c *Conn, err error) { t.Errorf("OnClose for a connection never opened: %v", err) }
	h.OnHandshakeError = func(c *Conn, err error) { errs <- err }
	ln, err := s.ListenTLS("tcp://127.0.0.1:0", pki.serverConfig(tls.VersionTLS13), h)
	if err != nil {
		t.Fatal(err)
	}
	return ln, errs
}

// readsEnd reports whether the server closed c: a read returns end of
// stream or a reset, not a timeout.
func readsEnd(c net.Conn) error {
	_, err := io.Copy(io.Discard, c)
	if err == nil || isReset(err) {
		return nil
	}
	return err
}

// TestTLSGarbage: a client that sends an HTTP request instead of a
// ClientHello is closed at once; OnHandshakeError gets a
// *tls.RecordHeaderError.
func TestTLSGarbage(t *testing.T) {
	ln, errs := badHandshake(t, Config{})
	c := rawDial(t, ln)
	c.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	err := recv(t, errs, "OnHandshakeError")
	var rh tls.RecordHeaderError
	if !errors.As(err, &rh) {
		t.Fatalf("OnHandshakeError: %v, want a tls.RecordHeaderError", err)
	}
	if err := readsEnd(c); err != nil {
		t.Fatal(err)
	}
}

// TestTLSStalledHandshake: clients that connect and send nothing, send
// half a ClientHello, or a whole one and then nothing, are closed on
// Config.TLSHandshakeTimeout with ErrHandshakeTimeout (and
// os.ErrDeadlineExceeded); afterwards no goroutine is left of the
// handshakes.
func TestTLSStalledHandshake(t *testing.T) {
	hello := clientHello(t)
	g0 := runtime.NumGoroutine()
	ln, errs := badHandshake(t, Config{Loops: 2, TLSHandshakeTimeout: 300 * time.Millisecond})
	sends := [][]byte{nil, hello[:len(hello)/2], hello}
	clients := make([]net.Conn, len(sends))
	for i, p := range sends {
		clients[i] = rawDial(t, ln)
		clients[i].Write(p)
	}
	for range sends {
		err := recv(t, errs, "OnHandshakeError")
		if !errors.Is(err, ErrHandshakeTimeout) || !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("OnHandshakeError: %v, want ErrHandshakeTimeout", err)
		}
	}
	for i, c := range clients {
		if err := readsEnd(c); err != nil {
			t.Fatalf("client %d: %v", i, err)
		}
	}
	if n, stacks := stableGoroutines(g0 + 2); n > g0+2 { // the server's 2 loops
		t.Fatalf("%d goroutines, %d before:\n%s", n, g0, stacks)
	}
}

// TestTLSResetMidHandshake: a client that resets the connection after
// its ClientHello, once the server has answered it (the handshake on a
// worker, waiting for the client's next flight), or after half of it (no
// worker yet), costs the server nothing more: the connection closes
// with an error, without waiting for the timeout.
func TestTLSResetMidHandshake(t *testing.T) {
	hello := clientHello(t)
	ln, errs := badHandshake(t, Config{TLSHandshakeTimeout: time.Minute})
	for i, p := range [][]byte{hello, hello[:len(hello)/2]} {
		c := rawDial(t, ln)
		c.Write(p)
		// The server must have the connection: on Windows, accept
		// fails with WSAECONNRESET for a connection reset before it
		// (seen under Wine), and the server never sees that one. With
		// the whole ClientHello, it must be in the handshake.
		waitFor(t, "the accept", func() bool { return ln.s.Conns() == 1 })
		if i == 0 {
			if _, err := io.ReadFull(c, make([]byte, 5)); err != nil {
				t.Fatalf("the ServerHello: %v", err)
			}
		}
		c.SetLinger(0)
		c.Close()
		err := recv(t, errs, "OnHandshakeError")
		if errors.Is(err, ErrHandshakeTimeout) {
			t.Fatalf("OnHandshakeError: %v, want the reset", err)
		}
		waitFor(t, "no connections", func() bool { return ln.s.Conns() == 0 })
	}
}

// recordLog is a net.Conn that keeps what it reads, to look at the
// records.
type recordLog struct {
	net.Conn
	mu  sync.Mutex
	log []byte
}

func (r *recordLog) Read(p []byte) (int, error) {
	n, err := r.Conn.Read(p)
	r.mu.Lock()
	r.log = append(r.log, p[:n]...)
	r.mu.Unlock()
	return n, err
}

// endsWithCloseNotify reports whether the records read end with an
// alert record the size of close_notify: in TLS 1.2 a record of type
// alert; in TLS 1.3, where every record says application data, one of
// 19 bytes (2 of alert, 1 of inner type, 16 of AEAD tag).
func (r *recordLog) endsWithCloseNotify(version uint16) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	var last []byte
	for b := r.log; len(b) >= 5; {
		n := 5 + (int(b[3])<<8 | int(b[4]))
		if n > len(b) {
			return false
		}
		last, b = b[:n], b[n:]
	}
	if last == nil {
		return false
	}
	if version == tls.VersionTLS12 {
		return last[0] == 21
	}
	return last[0] == 23 && len(last) == 5+19
}

// TestTLSCloseNotify: Conn.Close, Server.Shutdown, the peer's
// close_notify and the peer's end of stream without one each end the
// connection with close_notify after the data written before, which the
// client reads whole.
func TestTLSCloseNotify(t *testing.T) {
	pki := newPKI(t)
	for _, v := range versions {
		for _, how := range []string{"Close", "Shutdown", "peer", "peerFIN"} {
			t.Run(v.name+"/"+how, func(t *testing.T) {
				s := newServer(t, Config{})
				closed := make(chan error, 1)
				want := bytes.Repeat([]byte("bye "), 50000)
				h := Handler{
					OnTraffic: func(c *Conn) {
						b, _ := c.Next(-1)
						c.Write(b)
						switch how {
						case "Close":
							c.Write(want)
							c.Close()
						case "Shutdown":
							c.Write(want)
							s.Shutdown(t.Context())
						}
					},
					OnClose: func(c *Conn, err error) { closed <- err },
				}
				ln, err := s.ListenTLS("tcp://127.0.0.1:0", pki.serverConfig(v.v), h)
				if err != nil {
					t.Fatal(err)
				}
				raw := &recordLog{Conn: dial(t, ln)}
				c := tls.Client(raw, pki.clientConfig(v.v))
				if _, err := c.Write([]byte("hi")); err != nil {
					t.Fatal(err)
				}
				switch how {
				case "peer": // close_notify, then the TCP end of stream
					if err := c.CloseWrite(); err != nil {
						t.Fatal(err)
					}
					want = nil
				case "peerFIN": // the end of stream without close_notify
					if _, err := io.ReadFull(c, make([]byte, 2)); err != nil {
						t.Fatal(err)
					}
					if err := raw.Conn.(*net.TCPConn).CloseWrite(); err != nil {
						t.Fatal(err)
					}
					want = nil
				}
				got, err := io.ReadAll(c)
				if err != nil {
					t.Fatal(err)
				}
				if how == "peerFIN" {
					got = append([]byte("hi"), got...)
				}
				if !bytes.Equal(got, append([]byte("hi"), want...)) {
					t.Fatalf("read %d bytes, want %d", len(got), 2+len(want))
				}
				if !raw.endsWithCloseNotify(v.v) {
					t.Fatal("the stream does not end with close_notify")
				}
				c.Close()
				if err := recv(t, closed, "OnClose"); err != nil {
					t.Fatalf("OnClose: %v", err)
				}
			})
		}
	}
}

// TestTLSIdleHoldsNoGoroutine: after their handshakes, open and idle TLS
// connections hold no goroutine: the count comes back to what it was
// before, with the connections still served; closing the server leaves
// no goroutine and no handle.
func TestTLSIdleHoldsNoGoroutine(t *testing.T) {
	pki := newPKI(t)
	runtime.GC()
	s, err := NewServer(Config{Loops: 2})
	if err != nil {
		t.Fatal(err)
	}
	g0 := runtime.NumGoroutine()
	h0, countable := countHandles()
	ln, err := s.ListenTLS("tcp://127.0.0.1:0", pki.serverConfig(tls.VersionTLS13), echoHandler())
	if err != nil {
		t.Fatal(err)
	}
	n := scaled(64, 8)
	clients := make([]*tls.Conn, n)
	for i := range clients {
		clients[i] = tlsDial(t, ln, pki.clientConfig(tls.VersionTLS13))
		if err := echoRounds(clients[i], uint64(i), 1, 100); err != nil {
			t.Fatal(err)
		}
	}
	if got, stacks := stableGoroutines(g0); got > g0 {
		t.Fatalf("%d goroutines with %d idle TLS connections, %d before:\n%s", got, n, g0, stacks)
	}
	for i, c := range clients {
		if err := echoRounds(c, uint64(i), 1, 100); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for _, c := range clients {
		c.Close()
	}
	if got, stacks := stableGoroutines(g0 - 2); got > g0-2 {
		t.Fatalf("%d goroutines after Close, %d before the loops:\n%s", got, g0-2, stacks)
	}
	if countable {
		if h1 := handlesLeft(h0); h1 > h0 {
			t.Fatalf("%d handles after Close, %d before", h1, h0)
		}
	}
}

// TestTLSDial: DialTLS against a crypto/tls server on Go's net: OnOpen
// after the handshake, an echo, ALPN; a server whose certificate the
// client does not trust fails the dial with OnClose and an error that
// errors.As finds x509.UnknownAuthorityError in, and no OnOpen.
func TestTLSDial(t *testing.T) {
	pki := newPKI(t)
	for _, v := range versions {
		t.Run(v.name, func(t *testing.T) {
			cfg := pki.serverConfig(v.v)
			cfg.NextProtos = []string{"x"}
			nl, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer nl.Close()
			go func() {
				for {
					c, err := nl.Accept()
					if err != nil {
						return
					}
					go func() { io.Copy(c, c); c.Close() }()
				}
			}()
			s := newServer(t, Config{})
			got := make(chan string, 1)
			closed := make(chan error, 2)
			h := Handler{
				OnOpen: func(c *Conn) {
					cs, ok := c.ConnectionState()
					if !ok || cs.NegotiatedProtocol != "x" || cs.Version != v.v {
						t.Errorf("ConnectionState %v %+v", ok, cs)
					}
					c.Write([]byte("ping"))
				},
				OnTraffic: func(c *Conn) {
					if c.InboundBuffered() < 4 {
						return
					}
					b, _ := c.Next(-1)
					got <- string(b)
					c.Close()
				},
				OnClose: func(c *Conn, err error) { closed <- err },
			}
			cc := pki.clientConfig(v.v)
			cc.ServerName = "" // taken from the address: 127.0.0.1, in the certificate
			cc.NextProtos = []string{"x"}
			if _, err := s.DialTLS(nl.Addr().String(), cc, h); err != nil {
				t.Fatal(err)
			}
			if g := recv(t, got, "the echo"); g != "ping" {
				t.Fatalf("echo %q", g)
			}
			if err := recv(t, closed, "OnClose"); err != nil {
				t.Fatalf("OnClose: %v", err)
			}

			// A server the client does not trust.
			opened := false
			h = Handler{
				OnOpen:  func(c *Conn) { opened = true },
				OnClose: func(c *Conn, err error) { closed <- err },
			}
			cc = newPKI(t).clientConfig(v.v)
			if _, err := s.DialTLS(nl.Addr().String(), cc, h); err != nil {
				t.Fatal(err)
			}
			err = recv(t, closed, "OnClose")
			var unknown x509.UnknownAuthorityError
			if !errors.As(err, &unknown) {
				t.Fatalf("OnClose: %v, want an x509.UnknownAuthorityError", err)
			}
			if opened {
				t.Fatal("OnOpen for a failed handshake")
			}
		})
	}
}

// TestTLSDialAsyncWriteBeforeOpen: data given to AsyncWrite right after
// DialTLS goes out once the handshake has completed, after what OnOpen
// wrote.
func TestTLSDialAsyncWriteBeforeOpen(t *testing.T) {
	pki := newPKI(t)
	s := newServer(t, Config{})
	ln, err := s.ListenTLS("tcp://127.0.0.1:0", pki.serverConfig(tls.VersionTLS13), echoHandler())
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 1)
	h := Handler{
		OnOpen: func(c *Conn) { c.Write([]byte("first ")) },
		OnTraffic: func(c *Conn) {
			if c.InboundBuffered() >= len("first second") {
				b, _ := c.Next(-1)
				got <- string(b)
			}
		},
	}
	c, err := s.DialTLS(ln.String(), pki.clientConfig(tls.VersionTLS13), h)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AsyncWrite([]byte("second")); err != nil {
		t.Fatal(err)
	}
	if g := recv(t, got, "the echo"); g != "first second" {
		t.Fatalf("echo %q", g)
	}
}

// TestTLSLimits: MaxInbound counts the plaintext a handler leaves
// unconsumed; Detach refuses a TLS connection with errors.ErrUnsupported
// and the connection goes on.
func TestTLSLimits(t *testing.T) {
	pki := newPKI(t)
	s := newServer(t, Config{MaxInbound: 1000})
	closed := make(chan error, 1)
	detach := make(chan error, 1)
	h := Handler{
		OnOpen: func(c *Conn) {
			_, err := c.Detach()
			detach <- err
		},
		OnTraffic: func(c *Conn) {}, // consumes nothing
		OnClose:   func(c *Conn, err error) { closed <- err },
	}
	ln, err := s.ListenTLS("tcp://127.0.0.1:0", pki.serverConfig(tls.VersionTLS13), h)
	if err != nil {
		t.Fatal(err)
	}
	c := tlsDial(t, ln, pki.clientConfig(tls.VersionTLS13))
	if err := recv(t, detach, "Detach"); !errors.Is(err, errors.ErrUnsupported) || !errors.Is(err, ErrTLSDetach) {
		t.Fatalf("Detach: %v", err)
	}
	c.Write(make([]byte, 900)) // 900 bytes of plaintext, more of ciphertext: under the cap
	c.Write(make([]byte, 200))
	if err := recv(t, closed, "OnClose"); !errors.Is(err, ErrInboundFull) {
		t.Fatalf("OnClose: %v, want ErrInboundFull", err)
	}
}

// TestTLSBadConfig: ListenTLS and DialTLS refuse what cannot serve.
func TestTLSBadConfig(t *testing.T) {
	s := newServer(t, Config{})
	if _, err := s.ListenTLS("tcp://127.0.0.1:0", &tls.Config{}, Handler{}); err == nil {
		t.Fatal("ListenTLS without a certificate")
	}
	if _, err := s.ListenTLS("udp://127.0.0.1:0", newPKI(t).serverConfig(0), Handler{OnPacket: func(*Packet) {}}); err == nil {
		t.Fatal("ListenTLS on UDP")
	}
	if _, err := s.DialTLS("tcp://127.0.0.1:1", &tls.Config{Renegotiation: tls.RenegotiateOnceAsClient}, Handler{}); err == nil {
		t.Fatal("DialTLS with renegotiation")
	}
	if _, err := s.DialTLS("tcp://127.0.0.1:1", nil, Handler{}); err == nil {
		t.Fatal("DialTLS with a nil config")
	}
}

// TestTLSPoolFull: with one handshake worker and a queue of one, a
// client that stalls after its ClientHello holds the worker, a second
// waits in the queue, and a third is refused at once with
// ErrHandshakePoolFull; the first two end on the timeout.
func TestTLSPoolFull(t *testing.T) {
	hello := clientHello(t)
	ln, errs := badHandshake(t, Config{TLSHandshakeWorkers: 1, TLSHandshakeQueue: 1, TLSHandshakeTimeout: 2 * time.Second})
	for i := range 3 {
		c := rawDial(t, ln)
		c.Write(hello)
		if i == 2 {
			err := recv(t, errs, "OnHandshakeError")
			if !errors.Is(err, ErrHandshakePoolFull) {
				t.Fatalf("third client: %v, want ErrHandshakePoolFull", err)
			}
		}
	}
	for range 2 {
		if err := recv(t, errs, "OnHandshakeError"); !errors.Is(err, ErrHandshakeTimeout) {
			t.Fatalf("%v, want ErrHandshakeTimeout", err)
		}
	}
}

// TestTLSAsyncWriteDone: the callback of AsyncWriteDone on a TLS
// connection comes once the records of its data have gone to the
// socket, and the peer reads the data.
func TestTLSAsyncWriteDone(t *testing.T) {
	pki := newPKI(t)
	s := newServer(t, Config{})
	done := make(chan error, 1)
	data := bytes.Repeat([]byte("x"), 300<<10)
	h := Handler{OnOpen: func(c *Conn) {
		go c.AsyncWriteDone(data, func(c *Conn, err error) { done <- err })
	}}
	ln, err := s.ListenTLS("tcp://127.0.0.1:0", pki.serverConfig(tls.VersionTLS13), h)
	if err != nil {
		t.Fatal(err)
	}
	c := tlsDial(t, ln, pki.clientConfig(tls.VersionTLS13))
	got := make([]byte, len(data))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatal(err)
	}
	if err := recv(t, done, "the AsyncWriteDone callback"); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, data) {
		t.Fatal("data differs")
	}
}

// TestTLSAddListener: a listener of Go's net served with
// AddListenerTLS serves TLS like one of ListenTLS.
func TestTLSAddListener(t *testing.T) {
	pki := newPKI(t)
	s := newServer(t, Config{})
	nl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln, err := s.AddListenerTLS(nl, pki.serverConfig(tls.VersionTLS13), echoHandler())
	if err != nil {
		nl.Close()
		t.Fatal(err)
	}
	c := tlsDial(t, ln, pki.clientConfig(tls.VersionTLS13))
	if err := echoRounds(c, 1, 3, 1000); err != nil {
		t.Fatal(err)
	}
}

// TestTLSMaxOutbound: MaxOutbound caps the ciphertext pending for a
// client that does not read: OnOpen writes 16 KiB pieces until
// OutboundFull, which stops at MaxOutbound plus one piece's records;
// AsyncWrite then fails with ErrOutboundFull; once the client reads,
// all of it arrives.
func TestTLSMaxOutbound(t *testing.T) {
	pki := newPKI(t)
	const max = 256 << 10
	s := newServer(t, Config{MaxOutbound: max})
	type result struct {
		written, pending int
		async            error
	}
	res := make(chan result, 1)
	piece := bytes.Repeat([]byte("y"), 16<<10)
	h := Handler{OnOpen: func(c *Conn) {
		n := 0
		for !c.OutboundFull() && n < 256<<20 {
			c.Write(piece)
			n += len(piece)
		}
		r := result{written: n, pending: c.OutboundBuffered()}
		go func() {
			r.async = c.AsyncWrite(piece)
			res <- r
		}()
	}}
	ln, err := s.ListenTLS("tcp://127.0.0.1:0", pki.serverConfig(tls.VersionTLS13), h)
	if err != nil {
		t.Fatal(err)
	}
	c := tlsDial(t, ln, pki.clientConfig(tls.VersionTLS13))
	r := recv(t, res, "OnOpen's writes")
	// The records of one piece add less than 1 KiB to it.
	if r.pending < max || r.pending > max+len(piece)+1024 {
		t.Fatalf("pending output %d at OutboundFull, want from %d to %d", r.pending, max, max+len(piece)+1024)
	}
	if !errors.Is(r.async, ErrOutboundFull) {
		t.Fatalf("AsyncWrite: %v, want ErrOutboundFull", r.async)
	}
	got := make([]byte, r.written)
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, bytes.Repeat([]byte("y"), r.written)) {
		t.Fatal("data differs")
	}
}

// TestTLSAlert: a client that refuses the server's certificate sends an
// alert, which reaches OnHandshakeError as a tls.AlertError (errors.As).
func TestTLSAlert(t *testing.T) {
	ln, errs := badHandshake(t, Config{})
	raw := dial(t, ln)
	err := tls.Client(raw, newPKI(t).clientConfig(tls.VersionTLS13)).Handshake() // trusts another CA
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &unknown) {
		t.Fatalf("client: %v, want x509.UnknownAuthorityError", err)
	}
	// The client reads until the server closes, and closes without a
	// reset (TestTLSAlertThenReset resets).
	if err := readsEnd(raw); err != nil {
		t.Fatal(err)
	}
	err = recv(t, errs, "OnHandshakeError")
	var alert tls.AlertError
	if !errors.As(err, &alert) || alert != 42 { // bad_certificate, crypto/tls's alert for an unknown authority
		t.Fatalf("OnHandshakeError: %v, want tls.AlertError 42 (bad_certificate)", err)
	}
}

// TestTLSUnix: ListenTLS and DialTLS over a Unix-domain socket, off
// Windows: DialTLS needs ServerName there, and with it the evloop client
// gets its echo from the evloop server.
func TestTLSUnix(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Unix-domain sockets are refused on Windows")
	}
	dir := t.TempDir()
	path := dir + "/tls.sock"
	pki := newPKI(t)
	s := newServer(t, Config{})
	if _, err := s.ListenTLS("unix://"+path, pki.serverConfig(tls.VersionTLS13), echoHandler()); err != nil {
		t.Fatal(err)
	}
	cc := pki.clientConfig(tls.VersionTLS13)
	cc.ServerName = ""
	if _, err := s.DialTLS("unix://"+path, cc, Handler{}); err == nil {
		t.Fatal("DialTLS to a Unix-domain socket without ServerName")
	}
	got := make(chan string, 1)
	h := Handler{
		OnOpen: func(c *Conn) { c.Write([]byte("over unix")) },
		OnTraffic: func(c *Conn) {
			if c.InboundBuffered() >= len("over unix") {
				b, _ := c.Next(-1)
				got <- string(b)
			}
		},
	}
	if _, err := s.DialTLS("unix://"+path, pki.clientConfig(tls.VersionTLS13), h); err != nil {
		t.Fatal(err)
	}
	if g := recv(t, got, "the echo"); g != "over unix" {
		t.Fatalf("echo %q", g)
	}
}

// TestTLSCloseDuringHandshake: Server.Close, and Shutdown, with
// handshakes running on workers (clients stalled after their
// ClientHello) and one waiting for its first record end them all at
// once: OnHandshakeError gets ErrServerClosed, Shutdown returns without
// waiting for the handshake timeout, and no goroutine is left.
func TestTLSCloseDuringHandshake(t *testing.T) {
	hello := clientHello(t)
	for _, how := range []string{"Close", "Shutdown"} {
		t.Run(how, func(t *testing.T) {
			g0 := runtime.NumGoroutine()
			ln, errs := badHandshake(t, Config{Loops: 2, TLSHandshakeTimeout: time.Hour})
			const n = 4
			for i := range n {
				c := rawDial(t, ln)
				if i > 0 {
					c.Write(hello)
					if _, err := io.ReadFull(c, make([]byte, 5)); err != nil { // the handshake runs
						t.Fatal(err)
					}
				}
			}
			waitFor(t, "the accepts", func() bool { return ln.s.Conns() == n })
			var err error
			if how == "Close" {
				err = ln.s.Close()
			} else {
				err = ln.s.Shutdown(t.Context())
			}
			if err != nil {
				t.Fatal(err)
			}
			for range n {
				if err := recv(t, errs, "OnHandshakeError"); !errors.Is(err, ErrServerClosed) {
					t.Fatalf("OnHandshakeError: %v, want ErrServerClosed", err)
				}
			}
			if got, stacks := stableGoroutines(g0); got > g0 {
				t.Fatalf("%d goroutines after %s, %d before:\n%s", got, how, g0, stacks)
			}
		})
	}
}

// TestTLSWritev: Writev on a TLS connection sends its buffers
// encrypted, in order, as Write does: small ones, and 600 KiB that the
// socket does not take at once.
func TestTLSWritev(t *testing.T) {
	pki := newPKI(t)
	s := newServer(t, Config{})
	big := [][]byte{bytes.Repeat([]byte("a"), 300<<10), bytes.Repeat([]byte("b"), 300<<10)}
	h := Handler{OnTraffic: func(c *Conn) {
		b, _ := c.Next(-1)
		bufs := [][]byte{[]byte("<"), b, []byte(">")}
		if string(b) == "big" {
			bufs = big
		}
		if n, err := c.Writev(bufs); err != nil || n != len(bytes.Join(bufs, nil)) {
			t.Errorf("Writev: %d, %v", n, err)
		}
	}}
	ln, err := s.ListenTLS("tcp://127.0.0.1:0", pki.serverConfig(tls.VersionTLS13), h)
	if err != nil {
		t.Fatal(err)
	}
	c := tlsDial(t, ln, pki.clientConfig(tls.VersionTLS13))
	c.Write([]byte("vector"))
	got := make([]byte, len("<vector>"))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatal(err)
	}
	if string(got) != "<vector>" {
		t.Fatalf("read %q", got)
	}
	c.Write([]byte("big"))
	got = make([]byte, 600<<10)
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, bytes.Join(big, nil)) {
		t.Fatal("the large Writev differs")
	}
}

// TestTLSAlertThenReset: a client that refuses the server's certificate
// sends its alert and resets the connection at once: OnHandshakeError
// still gets the alert, not the reset that the loop may read before the
// handshake's worker has read the alert.
func TestTLSAlertThenReset(t *testing.T) {
	ln, errs := badHandshake(t, Config{})
	for range scaled(10, 2) {
		raw := rawDial(t, ln)
		err := tls.Client(raw, newPKI(t).clientConfig(tls.VersionTLS13)).Handshake()
		var unknown x509.UnknownAuthorityError
		if !errors.As(err, &unknown) {
			t.Fatalf("client: %v, want x509.UnknownAuthorityError", err)
		}
		raw.SetLinger(0)
		raw.Close()
		err = recv(t, errs, "OnHandshakeError")
		var alert tls.AlertError
		if !errors.As(err, &alert) || alert != 42 {
			t.Fatalf("OnHandshakeError: %v, want tls.AlertError 42 (bad_certificate)", err)
		}
	}
}

// TestTLSStallsDoNotBlockTheLoop: with one loop and clients stalled in
// their handshakes (after a ClientHello, holding workers; after half of
// one; after nothing), another client's handshake and echo go through
// on the same loop.
func TestTLSStallsDoNotBlockTheLoop(t *testing.T) {
	hello := clientHello(t)
	pki := newPKI(t)
	s := newServer(t, Config{Loops: 1, TLSHandshakeTimeout: time.Hour})
	ln, err := s.ListenTLS("tcp://127.0.0.1:0", pki.serverConfig(tls.VersionTLS13), echoHandler())
	if err != nil {
		t.Fatal(err)
	}
	for i := range scaled(30, 3) {
		c := rawDial(t, ln)
		switch i % 3 {
		case 0:
			c.Write(hello)
			if _, err := io.ReadFull(c, make([]byte, 5)); err != nil { // the handshake runs
				t.Fatal(err)
			}
		case 1:
			c.Write(hello[:len(hello)/2])
		}
	}
	c := tlsDial(t, ln, pki.clientConfig(tls.VersionTLS13))
	if err := echoRounds(c, 1, 10, 1000); err != nil {
		t.Fatal(err)
	}
}
