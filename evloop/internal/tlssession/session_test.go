package tlssession

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
	"sync"
	"testing"
	"time"
)

// testConfig wraps a tls.Config with a pool of the test's own.
func testConfig(tc *tls.Config) *Config {
	return &Config{TLS: tc, Pool: NewPool(PoolConfig{Workers: 4, Queue: 16})}
}

// exchange checks that bytes go both ways: the peer writes and the
// session delivers, the session writes and the peer reads.
func exchange(t *testing.T, l *loopSim, peer *tls.Conn, size int) {
	t.Helper()
	up := make([]byte, size)
	down := make([]byte, size)
	rand.Read(up)
	rand.Read(down)
	errc := make(chan error, 1)
	go func() {
		_, err := peer.Write(up)
		errc <- err
	}()
	if got := l.plain.readN(t, size); !bytes.Equal(got, up) {
		t.Fatalf("session read %d bytes that differ from what the peer wrote", size)
	}
	if err := <-errc; err != nil {
		t.Fatalf("peer write: %v", err)
	}
	l.write(down)
	got := make([]byte, size)
	if _, err := io.ReadFull(peer, got); err != nil || !bytes.Equal(got, down) {
		t.Fatalf("peer read: %v (equal: %v)", err, bytes.Equal(got, down))
	}
}

// TestServerSession: a server session against crypto/tls as the client,
// TLS 1.2 and 1.3, ciphertext fed a byte at a time, a record at a time
// and many records at once: the handshake completes, the session reports
// its state, bytes go both ways, and close_notify ends the stream each
// way.
func TestServerSession(t *testing.T) {
	p := newPKI(t)
	for _, v := range versions {
		for _, mk := range splitters() {
			sp := mk()
			t.Run(v.name+"/"+sp.name(), func(t *testing.T) {
				srvCfg, cliCfg := p.configs(v.v)
				l := newLoopSim(t, testConfig(srvCfg), Server, sp, 0)
				peer := tls.Client(l.Peer, cliCfg)
				if err := peer.Handshake(); err != nil {
					t.Fatalf("client handshake: %v", err)
				}
				cs := l.waitOpen()
				if cs.Version != v.v || !cs.HandshakeComplete {
					t.Fatalf("state: version %x, complete %v; want %x, true", cs.Version, cs.HandshakeComplete, v.v)
				}
				exchange(t, l, peer, 1000)
				// close_notify from the peer: the session reads end of stream.
				if err := peer.CloseWrite(); err != nil {
					t.Fatal(err)
				}
				if _, err := l.plain.Read(make([]byte, 1)); err != io.EOF {
					t.Fatalf("session read after the peer's close_notify: %v; want io.EOF", err)
				}
				// And from the session: the peer reads end of stream.
				var err error
				l.do(func() { err = l.s.CloseWrite() })
				if err != nil {
					t.Fatal(err)
				}
				if n, err := peer.Read(make([]byte, 1)); n != 0 || err != io.EOF {
					t.Fatalf("peer read after the session's close_notify: %d, %v; want io.EOF", n, err)
				}
				l.do(func() { _, err = l.s.Write([]byte("x")) })
				if err == nil {
					t.Fatal("Write after CloseWrite succeeded")
				}
			})
		}
	}
}

// TestClientSession: a client session against crypto/tls as the server.
func TestClientSession(t *testing.T) {
	p := newPKI(t)
	for _, v := range versions {
		for _, mk := range splitters() {
			sp := mk()
			t.Run(v.name+"/"+sp.name(), func(t *testing.T) {
				srvCfg, cliCfg := p.configs(v.v)
				l := newLoopSim(t, testConfig(cliCfg), Client, sp, 0)
				peer := tls.Server(l.Peer, srvCfg)
				if err := peer.Handshake(); err != nil {
					t.Fatalf("server handshake: %v", err)
				}
				cs := l.waitOpen()
				if cs.Version != v.v || len(cs.PeerCertificates) == 0 || cs.PeerCertificates[0].Subject.CommonName != "server.test" {
					t.Fatalf("state: version %x, peer certificates %d; want %x and server.test", cs.Version, len(cs.PeerCertificates), v.v)
				}
				exchange(t, l, peer, 1000)
				var err error
				l.do(func() { err = l.s.CloseWrite() })
				if err != nil {
					t.Fatal(err)
				}
				if _, err := peer.Read(make([]byte, 1)); err != io.EOF {
					t.Fatalf("peer read after close_notify: %v; want io.EOF", err)
				}
				peer.CloseWrite()
				if _, err := l.plain.Read(make([]byte, 1)); err != io.EOF {
					t.Fatalf("session read after the peer's close_notify: %v; want io.EOF", err)
				}
			})
		}
	}
}

// TestLargeTransfer: 1 MiB each way, in records of up to 16 KiB that
// the loop receives in arbitrary groups, with a plaintext buffer smaller
// than a record, so that Feed fills it and is called again.
func TestLargeTransfer(t *testing.T) {
	p := newPKI(t)
	for _, v := range versions {
		for _, ptLen := range []int{64 << 10, 1000} {
			t.Run(v.name, func(t *testing.T) {
				srvCfg, cliCfg := p.configs(v.v)
				l := newLoopSim(t, testConfig(srvCfg), Server, bulkSplit{}, ptLen)
				peer := tls.Client(l.Peer, cliCfg)
				if err := peer.Handshake(); err != nil {
					t.Fatal(err)
				}
				l.waitOpen()
				exchange(t, l, peer, 1<<20)
			})
		}
	}
}

// TestALPNAndSNI: the server picks its certificate by SNI with
// GetCertificate and the protocol by ALPN; the session reports both.
func TestALPNAndSNI(t *testing.T) {
	p := newPKI(t)
	certs := map[string]*tls.Certificate{}
	for _, name := range []string{"a.test", "b.test"} {
		c := p.ca.Server(t, name)
		certs[name] = &c
	}
	for _, v := range versions {
		t.Run(v.name, func(t *testing.T) {
			srvCfg, cliCfg := p.configs(v.v)
			srvCfg.Certificates = nil
			srvCfg.GetCertificate = func(h *tls.ClientHelloInfo) (*tls.Certificate, error) {
				if c := certs[h.ServerName]; c != nil {
					return c, nil
				}
				return nil, errors.New("no certificate for " + h.ServerName)
			}
			srvCfg.NextProtos = []string{"h2", "http/1.1"}
			cliCfg.ServerName = "b.test"
			cliCfg.NextProtos = []string{"http/1.1"}
			l := newLoopSim(t, testConfig(srvCfg), Server, &recordSplit{}, 0)
			peer := tls.Client(l.Peer, cliCfg)
			if err := peer.Handshake(); err != nil {
				t.Fatalf("client handshake (certificate for b.test?): %v", err)
			}
			cs := l.waitOpen()
			if cs.ServerName != "b.test" || cs.NegotiatedProtocol != "http/1.1" {
				t.Fatalf("ServerName %q, NegotiatedProtocol %q; want b.test, http/1.1", cs.ServerName, cs.NegotiatedProtocol)
			}
		})
	}
}

// TestClientAuth: a server that requires a client certificate accepts
// one from its CA and reports it; one from another CA fails the
// handshake on both sides, the server's error matching the x509 error
// and the client's the alert, with errors.As.
func TestClientAuth(t *testing.T) {
	p := newPKI(t)
	for _, v := range versions {
		t.Run(v.name+"/good", func(t *testing.T) {
			srvCfg, cliCfg := p.configs(v.v)
			srvCfg.ClientAuth = tls.RequireAndVerifyClientCert
			cliCfg.Certificates = []tls.Certificate{p.client}
			l := newLoopSim(t, testConfig(srvCfg), Server, &recordSplit{}, 0)
			peer := tls.Client(l.Peer, cliCfg)
			if err := peer.Handshake(); err != nil {
				t.Fatal(err)
			}
			cs := l.waitOpen()
			if len(cs.PeerCertificates) == 0 || cs.PeerCertificates[0].Subject.CommonName != "client.test" {
				t.Fatalf("peer certificates %d; want client.test's", len(cs.PeerCertificates))
			}
			exchange(t, l, peer, 100)
		})
		t.Run(v.name+"/server-refuses", func(t *testing.T) {
			srvCfg, cliCfg := p.configs(v.v)
			srvCfg.ClientAuth = tls.RequireAndVerifyClientCert
			// Offered although the server asks for another CA's.
			cliCfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &p.badClient, nil }
			l := newLoopSim(t, testConfig(srvCfg), Server, bulkSplit{}, 0)
			peer := tls.Client(l.Peer, cliCfg)
			herr := peer.Handshake()
			if herr == nil {
				// TLS 1.3: the client's handshake ends before the server
				// has checked its certificate; the alert comes on Read.
				_, herr = peer.Read(make([]byte, 1))
			}
			err := l.waitFail()
			var ua x509.UnknownAuthorityError
			var cve *tls.CertificateVerificationError
			var se *Error
			if !errors.As(err, &ua) || !errors.As(err, &cve) || !errors.As(err, &se) || se.Op != "handshake" {
				t.Fatalf("server error %q (%T); want an *Error around x509.UnknownAuthorityError", err, err)
			}
			if herr == nil {
				t.Fatal("the client saw no error")
			}
		})
		t.Run(v.name+"/client-refused", func(t *testing.T) {
			// The session is the client; crypto/tls refuses its certificate.
			srvCfg, cliCfg := p.configs(v.v)
			srvCfg.ClientAuth = tls.RequireAndVerifyClientCert
			cliCfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &p.badClient, nil }
			l := newLoopSim(t, testConfig(cliCfg), Client, bulkSplit{}, 0)
			peer := tls.Server(l.Peer, srvCfg)
			if err := peer.Handshake(); err == nil {
				t.Fatal("server accepted a certificate from an unknown CA")
			}
			var err error
			if v.v == tls.VersionTLS13 {
				// The client's handshake completes first; the alert
				// comes as the first read.
				_, err = l.plain.Read(make([]byte, 1))
				select {
				case <-l.opened: // sent before the loop's first Feed
				default:
					t.Fatal("the client's handshake did not complete")
				}
			} else {
				err = l.waitFail()
			}
			var alert tls.AlertError
			if !errors.As(err, &alert) || alert != 48 { // unknown_ca
				t.Fatalf("client error %q; want one matching tls.AlertError(48), unknown_ca", errString(err))
			}
		})
	}
}

// TestResumption: a second connection resumes the first's session, the
// session as server (the ticket key is the shared tls.Config's) and as
// client (the ticket arrives after the handshake, in a record Feed
// handles).
func TestResumption(t *testing.T) {
	p := newPKI(t)
	for _, v := range versions {
		t.Run(v.name+"/server", func(t *testing.T) {
			srvCfg, cliCfg := p.configs(v.v)
			cliCfg.ClientSessionCache = tls.NewLRUClientSessionCache(4)
			cfg := testConfig(srvCfg)
			for i, want := range []bool{false, true} {
				l := newLoopSim(t, cfg, Server, &recordSplit{}, 0)
				peer := tls.Client(l.Peer, cliCfg)
				if err := peer.Handshake(); err != nil {
					t.Fatal(err)
				}
				cs := l.waitOpen()
				exchange(t, l, peer, 10) // the client reads its ticket
				if cs.DidResume != want || peer.ConnectionState().DidResume != want {
					t.Fatalf("connection %d: DidResume %v (client %v); want %v", i, cs.DidResume, peer.ConnectionState().DidResume, want)
				}
				l.shutdown()
			}
		})
		t.Run(v.name+"/client", func(t *testing.T) {
			srvCfg, cliCfg := p.configs(v.v)
			cliCfg.ClientSessionCache = tls.NewLRUClientSessionCache(4)
			cfg := testConfig(cliCfg)
			for i, want := range []bool{false, true} {
				l := newLoopSim(t, cfg, Client, bulkSplit{}, 0)
				peer := tls.Server(l.Peer, srvCfg)
				if err := peer.Handshake(); err != nil {
					t.Fatal(err)
				}
				cs := l.waitOpen()
				exchange(t, l, peer, 10)
				if cs.DidResume != want {
					t.Fatalf("connection %d: DidResume %v; want %v", i, cs.DidResume, want)
				}
				l.shutdown()
			}
		})
	}
}

// TestGarbage: bytes that are not a ClientHello fail the handshake with
// a *tls.RecordHeaderError, and leave no goroutine behind.
func TestGarbage(t *testing.T) {
	p := newPKI(t)
	srvCfg, _ := p.configs(tls.VersionTLS13)
	cfg := testConfig(srvCfg)
	base := runtime.NumGoroutine()
	l := newLoopSim(t, cfg, Server, bulkSplit{}, 0)
	l.Peer.Write([]byte("GET / HTTP/1.1\r\nHost: server.test\r\n\r\n"))
	err := l.waitFail()
	var rh tls.RecordHeaderError
	if !errors.As(err, &rh) {
		t.Fatalf("error %q (%T); want a tls.RecordHeaderError", err, err)
	}
	l.shutdown()
	poolIdle(t, cfg.Pool)
	goroutines(t, base)
}

// clientHello returns the first flight of a crypto/tls client.
func clientHello(t *testing.T, cfg *tls.Config) []byte {
	t.Helper()
	in, out := newQueue(), newQueue()
	c := tls.Client(&peerConn{in: in, out: out}, cfg)
	done := make(chan struct{})
	go func() { c.Handshake(); close(done) }()
	hdr := out.readN(t, 5)
	body := out.readN(t, int(hdr[3])<<8|int(hdr[4]))
	in.close(io.EOF)
	<-done
	return append(hdr, body...)
}

// TestHandshakeTimeout: a peer that sends nothing, half a ClientHello,
// or a ClientHello and then nothing is cut off by the handshake timeout
// with ErrHandshakeTimeout (which matches os.ErrDeadlineExceeded). The
// first two never hold a pool worker; the third holds one until then.
func TestHandshakeTimeout(t *testing.T) {
	p := newPKI(t)
	srvCfg, cliCfg := p.configs(tls.VersionTLS13)
	hello := clientHello(t, cliCfg)
	for _, c := range []struct {
		name   string
		send   []byte
		worker bool
	}{
		{"silent", nil, false},
		{"half-hello", hello[:len(hello)/2], false},
		{"stall-after-hello", hello, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := testConfig(srvCfg)
			cfg.HandshakeTimeout = 100 * time.Millisecond
			base := runtime.NumGoroutine()
			l := newLoopSim(t, cfg, Server, bulkSplit{}, 0)
			l.Peer.Write(c.send)
			err := l.waitFail()
			var ne net.Error
			if !errors.Is(err, ErrHandshakeTimeout) || !errors.Is(err, os.ErrDeadlineExceeded) || !errors.As(err, &ne) || !ne.Timeout() {
				t.Fatalf("error %q; want ErrHandshakeTimeout", err)
			}
			if st := cfg.Pool.Stats(); (st.Started == 1) != c.worker {
				t.Fatalf("pool started %d handshakes; want a worker: %v", st.Started, c.worker)
			}
			l.shutdown()
			poolIdle(t, cfg.Pool)
			goroutines(t, base)
		})
	}
}

// TestPeerGoneMidHandshake: the loop sees the peer reset (it closes the
// session) or end its stream mid-handshake: the worker returns, and
// nothing is left.
func TestPeerGoneMidHandshake(t *testing.T) {
	p := newPKI(t)
	srvCfg, cliCfg := p.configs(tls.VersionTLS13)
	hello := clientHello(t, cliCfg)
	t.Run("reset", func(t *testing.T) {
		cfg := testConfig(srvCfg)
		base := runtime.NumGoroutine()
		l := newLoopSim(t, cfg, Server, bulkSplit{}, 0)
		l.Peer.Write(hello)
		l.toPeer.readN(t, 5) // the server's flight has begun
		l.do(func() { l.s.Close() })
		l.shutdown()
		poolIdle(t, cfg.Pool)
		goroutines(t, base)
	})
	t.Run("eof", func(t *testing.T) {
		cfg := testConfig(srvCfg)
		base := runtime.NumGoroutine()
		l := newLoopSim(t, cfg, Server, bulkSplit{}, 0)
		l.Peer.Write(hello)
		l.toPeer.readN(t, 5)
		l.toLoop.close(io.EOF)
		err := l.waitFail()
		if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("error %q; want end of stream", err)
		}
		l.shutdown()
		poolIdle(t, cfg.Pool)
		goroutines(t, base)
	})
}

// TestNoGoroutineAfterHandshake: once the handshake is over, the
// session holds no goroutine (neither the pool's worker nor the
// timer's) and no buffer of its own.
func TestNoGoroutineAfterHandshake(t *testing.T) {
	p := newPKI(t)
	for _, v := range versions {
		t.Run(v.name, func(t *testing.T) {
			srvCfg, cliCfg := p.configs(v.v)
			cfg := testConfig(srvCfg)
			l := newLoopSim(t, cfg, Server, bulkSplit{}, 1000) // a plaintext buffer that fills: Feed keeps ciphertext
			peer := tls.Client(l.Peer, cliCfg)
			base := runtime.NumGoroutine() // the loop, its reader, the test
			if err := peer.Handshake(); err != nil {
				t.Fatal(err)
			}
			l.waitOpen()
			exchange(t, l, peer, 64<<10)
			l.do(func() {
				if tr := &l.s.tr; tr.in != nil || tr.out != nil || tr.pending != nil || tr.cur != nil {
					t.Errorf("idle session holds buffers: in %d, out %d, pending %d, cur %d", cap(tr.in), cap(tr.out), cap(tr.pending), cap(tr.cur))
				}
			})
			poolIdle(t, cfg.Pool)
			goroutines(t, base)
			if st := cfg.Pool.Stats(); st.Started != 1 {
				t.Fatalf("pool after the handshake: %+v; want 1 started", st)
			}
		})
	}
}

// TestPoolFull: with one worker and a queue of one, a stalled handshake
// holds the worker, the next waits in the queue, and the third is
// refused with ErrPoolFull; the queued one leaves the queue when it
// times out, without having taken a worker.
func TestPoolFull(t *testing.T) {
	p := newPKI(t)
	srvCfg, cliCfg := p.configs(tls.VersionTLS13)
	hello := clientHello(t, cliCfg)
	pool := NewPool(PoolConfig{Workers: 1, Queue: 1})
	long := &Config{TLS: srvCfg, Pool: pool}
	short := &Config{TLS: srvCfg, Pool: pool, HandshakeTimeout: 100 * time.Millisecond}
	base := runtime.NumGoroutine()
	first := newLoopSim(t, long, Server, bulkSplit{}, 0)
	first.Peer.Write(hello)
	first.toPeer.readN(t, 5) // running, and waiting for the client's Finished
	queued := newLoopSim(t, short, Server, bulkSplit{}, 0)
	queued.Peer.Write(hello)
	waitFor(t, "a queued handshake", func() bool { return pool.Stats().Queued == 1 })
	refused := newLoopSim(t, long, Server, bulkSplit{}, 0)
	refused.Peer.Write(hello)
	if err := refused.waitFail(); !errors.Is(err, ErrPoolFull) {
		t.Fatalf("third handshake: %v; want ErrPoolFull", err)
	}
	if err := queued.waitFail(); !errors.Is(err, ErrHandshakeTimeout) {
		t.Fatalf("queued handshake: %v; want ErrHandshakeTimeout", err)
	}
	if st := pool.Stats(); st.Queued != 0 || st.Rejected != 1 || st.Started != 1 || st.Running != 1 {
		t.Fatalf("pool: %+v; want 1 started and running, 1 rejected, none queued", st)
	}
	first.do(func() { first.s.Close() })
	for _, l := range []*loopSim{first, queued, refused} {
		l.shutdown()
	}
	poolIdle(t, pool)
	goroutines(t, base)
	if st := pool.Stats(); st.Started != 1 {
		t.Fatalf("pool at the end: %+v", st)
	}
}

// TestBadConfig: a configuration that would renegotiate is refused.
func TestBadConfig(t *testing.T) {
	opts := Options{Send: func([]byte) error { return nil }, Notify: func() {}}
	if _, err := New(&Config{TLS: &tls.Config{Renegotiation: tls.RenegotiateOnceAsClient}}, Client, opts); err == nil {
		t.Error("New accepted Renegotiation other than RenegotiateNever")
	}
	if _, err := New(&Config{}, Server, opts); err == nil {
		t.Error("New accepted a Config without TLS")
	}
	if _, err := New(&Config{TLS: &tls.Config{}}, Server, Options{}); err == nil {
		t.Error("New accepted Options without Send and Notify")
	}
}

// TestConcurrentSessions: many handshakes at once through a small pool,
// fed by one loop each, under the race detector.
func TestConcurrentSessions(t *testing.T) {
	p := newPKI(t)
	srvCfg, cliCfg := p.configs(tls.VersionTLS13)
	cfg := &Config{TLS: srvCfg, Pool: NewPool(PoolConfig{Workers: 4, Queue: 32})}
	var wg sync.WaitGroup
	for range 32 {
		l := newLoopSim(t, cfg, Server, bulkSplit{}, 0)
		wg.Add(1)
		go func() {
			defer wg.Done()
			peer := tls.Client(l.Peer, cliCfg)
			if err := peer.Handshake(); err != nil {
				t.Error(err)
				return
			}
			peer.Write([]byte("ping"))
		}()
		defer func() {
			l.waitOpen()
			if got := l.plain.readN(t, 4); string(got) != "ping" {
				t.Errorf("got %q", got)
			}
		}()
	}
	wg.Wait()
}

// TestPeerEOFAfterHandshake: the socket's end of stream after the
// handshake, without close_notify, is end of stream at a record
// boundary (crypto/tls's rule) and an error in the middle of a record.
func TestPeerEOFAfterHandshake(t *testing.T) {
	p := newPKI(t)
	srvCfg, cliCfg := p.configs(tls.VersionTLS13)
	for _, cut := range []bool{false, true} {
		l := newLoopSim(t, testConfig(srvCfg), Server, byteSplit{}, 0)
		peer := tls.Client(l.Peer, cliCfg)
		if err := peer.Handshake(); err != nil {
			t.Fatal(err)
		}
		l.waitOpen()
		exchange(t, l, peer, 10)
		if cut {
			// Half a record: write it through a conn that keeps the rest.
			l.toLoop.Write([]byte{23, 3, 3, 0, 40, 1, 2, 3})
		}
		l.toLoop.close(io.EOF)
		_, err := l.plain.Read(make([]byte, 1))
		if cut && (err == io.EOF || !errors.Is(err, io.ErrUnexpectedEOF)) {
			t.Fatalf("read after half a record and end of stream: %v; want io.ErrUnexpectedEOF in an *Error", err)
		}
		if !cut && err != io.EOF {
			t.Fatalf("read after end of stream: %v; want io.EOF", err)
		}
		l.shutdown()
	}
}

// TestHandshakeInputBound: during the handshake, WantInput turns false
// at MaxHandshakeInput, and Feed fails with ErrInputFull if the caller
// goes on. The test is the caller: a first record announced at 16 KiB
// that never completes holds no worker, only its bytes.
func TestHandshakeInputBound(t *testing.T) {
	p := newPKI(t)
	srvCfg, _ := p.configs(tls.VersionTLS13)
	cfg := &Config{TLS: srvCfg, Pool: NewPool(PoolConfig{}), MaxHandshakeInput: 1000}
	s, err := New(cfg, Server, Options{Send: func([]byte) error { return nil }, Notify: func() {}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	pt := make([]byte, 100)
	chunk := make([]byte, 600)
	chunk[0], chunk[1], chunk[2], chunk[3] = 22, 3, 1, 0x40 // handshake record of 16 KiB
	if _, err := s.Feed(chunk, pt); err != nil || !s.WantInput() {
		t.Fatalf("600 bytes: Feed %v, WantInput %v; want nil, true", err, s.WantInput())
	}
	if _, err := s.Feed(chunk[5:], pt); err != nil || s.WantInput() {
		t.Fatalf("1195 bytes: Feed %v, WantInput %v; want nil, false", err, s.WantInput())
	}
	if _, err := s.Feed(chunk[5:], pt); !errors.Is(err, ErrInputFull) {
		t.Fatalf("Feed past the bound: %v; want ErrInputFull", err)
	}
	if st := cfg.Pool.Stats(); st.Started != 0 {
		t.Fatalf("pool: %+v; want no handshake started", st)
	}
	if _, err := s.Feed(chunk, pt); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Feed after the failure: %v; want net.ErrClosed", err)
	}
}
