package tlssession

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
)

// The design rests on two behaviours of crypto/tls (Go 1.26,
// crypto/tls/conn.go, readRecordOrCCS and handshakeContext). These
// tests pin them down: if a Go release changes either, they fail
// before the sessions do.

// factConn is a server's underlying conn that reads from the peer's
// queue while blocking, and from bytes the test hands it, with a
// temporary error when it has none, while not blocking.
type factConn struct {
	peerConn
	mu       sync.Mutex
	nonblock bool
	staged   []byte
}

func (c *factConn) Read(p []byte) (int, error) {
	c.mu.Lock()
	if !c.nonblock {
		c.mu.Unlock()
		return c.peerConn.Read(p)
	}
	defer c.mu.Unlock()
	if len(c.staged) == 0 {
		return 0, errWouldBlock
	}
	n := copy(p, c.staged)
	c.staged = c.staged[n:]
	return n, nil
}

func (c *factConn) setNonblock() {
	c.mu.Lock()
	c.nonblock = true
	c.mu.Unlock()
}

func (c *factConn) stage(p []byte) {
	c.mu.Lock()
	c.staged = append(c.staged, p...)
	c.mu.Unlock()
}

// TestFactTemporaryReadErrorIsNotSticky: after the handshake, a
// temporary net.Error from the underlying Read comes back from
// tls.Conn.Read without breaking the connection, and a record that
// arrived in part is completed by the next Read: records can be driven
// by a caller that feeds bytes as they come.
func TestFactTemporaryReadErrorIsNotSticky(t *testing.T) {
	p := newPKI(t)
	srvCfg, cliCfg := p.configs(tls.VersionTLS13)
	a, b := newQueue(), newQueue()
	fc := &factConn{peerConn: peerConn{in: a, out: b}}
	cli := tls.Client(&peerConn{in: b, out: a}, cliCfg)
	srv := tls.Server(fc, srvCfg)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); cli.Handshake() }()
	if err := srv.Handshake(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	// The client's output from now on goes to the test, which stages it
	// for the server.
	fc.setNonblock()
	a.mu.Lock() // what the handshake left unread, if anything
	left := a.buf
	a.buf = nil
	a.mu.Unlock()
	fc.stage(left)

	buf := make([]byte, 100)
	n, err := srv.Read(buf)
	var ne net.Error
	if n != 0 || !errors.As(err, &ne) || !ne.Temporary() {
		t.Fatalf("Read with no input = %d, %v; want 0 and a temporary error", n, err)
	}
	cli.Write([]byte("hello, records"))
	a.mu.Lock()
	record := a.buf
	a.buf = nil
	a.mu.Unlock()
	fc.stage(record[:7]) // half a record
	if n, err = srv.Read(buf); n != 0 || !errors.Is(err, errWouldBlock) {
		t.Fatalf("Read with half a record = %d, %v; want 0, the temporary error", n, err)
	}
	fc.stage(record[7:])
	n, err = srv.Read(buf)
	if err != nil || string(buf[:n]) != "hello, records" {
		t.Fatalf("Read after the rest = %q, %v; want the record", buf[:n], err)
	}
}

// TestFactHandshakeErrorIsSticky: a handshake that got a temporary
// error from the underlying Read has failed for good; Handshake returns
// that error again and reads nothing more. So a handshake cannot be
// suspended at "would block" and resumed: it needs a goroutine whose
// Read blocks.
func TestFactHandshakeErrorIsSticky(t *testing.T) {
	p := newPKI(t)
	srvCfg, cliCfg := p.configs(tls.VersionTLS13)
	a, b := newQueue(), newQueue()
	fc := &factConn{peerConn: peerConn{in: a, out: b}, nonblock: true}
	srv := tls.Server(fc, srvCfg)
	if err := srv.Handshake(); !errors.Is(err, errWouldBlock) {
		t.Fatalf("Handshake with no input = %v; want the temporary error", err)
	}
	// A real ClientHello, then the handshake again.
	cli := tls.Client(&peerConn{in: b, out: a}, cliCfg)
	go cli.Handshake()
	hello := make([]byte, 5)
	if _, err := io.ReadFull(a, hello); err != nil {
		t.Fatal(err)
	}
	body := make([]byte, int(hello[3])<<8|int(hello[4]))
	if _, err := io.ReadFull(a, body); err != nil {
		t.Fatal(err)
	}
	fc.stage(append(hello, body...))
	if err := srv.Handshake(); !errors.Is(err, errWouldBlock) {
		t.Fatalf("second Handshake = %v; want the first error again", err)
	}
	if fc.mu.Lock(); len(fc.staged) != len(hello)+len(body) {
		t.Errorf("second Handshake read %d bytes; want none", len(hello)+len(body)-len(fc.staged))
	}
	fc.mu.Unlock()
	b.close(io.EOF) // the client's handshake ends
	a.close(io.EOF)
}
