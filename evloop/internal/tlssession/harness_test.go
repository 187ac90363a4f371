package tlssession

import (
	"crypto/tls"
	"io"
	"net"
	"runtime"
	"sync"
	"testing"
	"time"
)

// queue is one direction of an in-memory connection: Write never
// blocks, Read blocks until there are bytes or the queue is closed.
type queue struct {
	mu     sync.Mutex
	cond   sync.Cond
	buf    []byte
	err    error // after buf: io.EOF, or a reset
	writes int
}

func newQueue() *queue {
	q := &queue{}
	q.cond.L = &q.mu
	return q
}

func (q *queue) Write(p []byte) (int, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.err != nil {
		return 0, q.err
	}
	q.buf = append(q.buf, p...)
	q.writes++
	q.cond.Broadcast()
	return len(p), nil
}

func (q *queue) Read(p []byte) (int, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.buf) == 0 && q.err == nil {
		q.cond.Wait()
	}
	if len(q.buf) == 0 {
		return 0, q.err
	}
	n := copy(p, q.buf)
	q.buf = q.buf[n:]
	return n, nil
}

// writesCount returns the number of writes so far.
func (q *queue) writesCount() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.writes
}

// close ends the queue with err (io.EOF for an orderly end); bytes
// queued before are still read.
func (q *queue) close(err error) {
	q.mu.Lock()
	if q.err == nil {
		q.err = err
	}
	q.cond.Broadcast()
	q.mu.Unlock()
}

// readAll reads n bytes or fails the test.
func (q *queue) readN(t testing.TB, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := io.ReadFull(q, b); err != nil {
		t.Fatalf("read %d bytes: %v", n, err)
	}
	return b
}

// peerConn is the peer's end: a net.Conn over two queues.
type peerConn struct {
	in, out *queue
}

func (c *peerConn) Read(p []byte) (int, error)  { return c.in.Read(p) }
func (c *peerConn) Write(p []byte) (int, error) { return c.out.Write(p) }
func (c *peerConn) Close() error {
	c.out.close(io.EOF)
	c.in.close(net.ErrClosed)
	return nil
}
func (c *peerConn) LocalAddr() net.Addr              { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 2} }
func (c *peerConn) RemoteAddr() net.Addr             { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1} }
func (c *peerConn) SetDeadline(time.Time) error      { return nil }
func (c *peerConn) SetReadDeadline(time.Time) error  { return nil }
func (c *peerConn) SetWriteDeadline(time.Time) error { return nil }

// A splitter cuts the ciphertext the loop reads into the pieces it
// feeds: how a socket's reads may fall.
type splitter interface {
	split(p []byte) [][]byte
	name() string
}

// byteSplit feeds one byte at a time.
type byteSplit struct{}

func (byteSplit) name() string { return "bytes" }
func (byteSplit) split(p []byte) [][]byte {
	out := make([][]byte, len(p))
	for i := range p {
		out[i] = p[i : i+1]
	}
	return out
}

// recordSplit feeds whole records, one per Feed.
type recordSplit struct{ carry []byte }

func (*recordSplit) name() string { return "records" }
func (r *recordSplit) split(p []byte) [][]byte {
	r.carry = append(r.carry, p...)
	var out [][]byte
	for len(r.carry) >= 5 {
		n := 5 + (int(r.carry[3])<<8 | int(r.carry[4]))
		if len(r.carry) < n {
			break
		}
		out = append(out, append([]byte(nil), r.carry[:n]...))
		r.carry = r.carry[n:]
	}
	return out
}

// bulkSplit feeds what one read returned: many records at once.
type bulkSplit struct{}

func (bulkSplit) name() string            { return "bulk" }
func (bulkSplit) split(p []byte) [][]byte { return [][]byte{p} }

func splitters() []func() splitter {
	return []func() splitter{
		func() splitter { return byteSplit{} },
		func() splitter { return &recordSplit{} },
		func() splitter { return bulkSplit{} },
	}
}

// loopSim plays the event loop for one session: a goroutine that owns
// the session, feeds it what the peer sends (cut by a splitter),
// answers Notify with Step, and runs the test's calls. The peer is a
// crypto/tls connection over Peer.
type loopSim struct {
	t     testing.TB
	s     *Session
	Peer  *peerConn
	split splitter
	ptLen int

	toLoop, toPeer *queue
	notify         chan struct{}
	calls          chan func()
	chunks         chan []byte // what the reader took from toLoop; closed at its end
	stop           chan struct{}
	done           sync.WaitGroup

	opened chan tls.ConnectionState // once
	failed chan error               // handshake failure or Feed error, once
	plain  *queue                   // plaintext the session delivered; io.EOF at close_notify
	notifs int                      // Notify calls (loop-owned count of Steps)
}

func newLoopSim(t testing.TB, cfg *Config, role Role, sp splitter, ptLen int) *loopSim {
	t.Helper()
	if ptLen == 0 {
		ptLen = 64 << 10
	}
	l := &loopSim{
		t: t, split: sp, ptLen: ptLen,
		toLoop: newQueue(), toPeer: newQueue(),
		notify: make(chan struct{}, 1),
		calls:  make(chan func()),
		chunks: make(chan []byte),
		stop:   make(chan struct{}),
		opened: make(chan tls.ConnectionState, 1),
		failed: make(chan error, 1),
		plain:  newQueue(),
	}
	l.Peer = &peerConn{in: l.toPeer, out: l.toLoop}
	s, err := New(cfg, role, Options{
		Send: func(p []byte) error {
			_, err := l.toPeer.Write(p)
			return err
		},
		Notify: func() {
			select {
			case l.notify <- struct{}{}:
			default:
			}
		},
		LocalAddr:  l.Peer.RemoteAddr(),
		RemoteAddr: l.Peer.LocalAddr(),
	})
	if err != nil {
		t.Fatal(err)
	}
	l.s = s
	l.done.Add(2)
	go l.reader()
	go l.run()
	t.Cleanup(l.shutdown)
	return l
}

// reader is the socket: it hands what the peer wrote to the loop.
func (l *loopSim) reader() {
	defer l.done.Done()
	defer close(l.chunks)
	buf := make([]byte, 256<<10)
	for {
		n, err := l.toLoop.Read(buf)
		if n > 0 {
			select {
			case l.chunks <- append([]byte(nil), buf[:n]...):
			case <-l.stop:
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func (l *loopSim) run() {
	defer l.done.Done()
	pt := make([]byte, l.ptLen)
	chunks := l.chunks
	for {
		select {
		case <-l.stop:
			l.s.Close()
			return
		case f := <-l.calls:
			f()
		case <-l.notify:
			l.notifs++
			opened, err := l.s.Step()
			if err != nil {
				l.fail(err)
			}
			if opened {
				l.opened <- l.s.ConnectionState()
				l.feed(nil, pt)
			}
		case c, ok := <-chunks:
			if !ok {
				chunks = nil
				if err := l.s.FeedEOF(); err != nil {
					l.fail(err)
				}
				if l.s.phase == phaseOpen {
					l.feed(nil, pt)
				}
				continue
			}
			for _, piece := range l.split.split(c) {
				l.feed(piece, pt)
			}
		}
	}
}

// feed feeds ct and delivers the plaintext, until the session has none.
func (l *loopSim) feed(ct, pt []byte) {
	for {
		n, err := l.s.Feed(ct, pt)
		ct = nil
		l.plain.Write(pt[:n])
		switch {
		case err == io.EOF:
			l.plain.close(io.EOF)
			return
		case err != nil:
			l.fail(err)
			return
		case n < len(pt):
			return
		}
	}
}

// fail records the session's failure and closes the connection, as a
// loop does: the peer reads what was sent, then end of stream.
func (l *loopSim) fail(err error) {
	select {
	case l.failed <- err:
	default:
	}
	l.plain.close(err)
	l.toPeer.close(io.EOF)
}

// do runs f on the loop's goroutine and waits for it.
func (l *loopSim) do(f func()) {
	done := make(chan struct{})
	l.calls <- func() { f(); close(done) }
	<-done
}

func (l *loopSim) shutdown() {
	select {
	case <-l.stop:
		return
	default:
	}
	close(l.stop)
	l.toLoop.close(net.ErrClosed)
	l.toPeer.close(net.ErrClosed)
	l.done.Wait()
}

// waitOpen waits for the session's handshake.
func (l *loopSim) waitOpen() tls.ConnectionState {
	l.t.Helper()
	select {
	case cs := <-l.opened:
		return cs
	case err := <-l.failed:
		l.t.Fatalf("handshake failed: %v", err)
	case <-time.After(20 * time.Second):
		l.t.Fatal("no handshake after 20 s")
	}
	return tls.ConnectionState{}
}

// waitFail waits for the session to fail.
func (l *loopSim) waitFail() error {
	l.t.Helper()
	select {
	case err := <-l.failed:
		return err
	case <-l.opened:
		l.t.Fatal("handshake completed; want a failure")
	case <-time.After(20 * time.Second):
		l.t.Fatal("no failure after 20 s")
	}
	return nil
}

// write has the session write p.
func (l *loopSim) write(p []byte) {
	l.t.Helper()
	var err error
	l.do(func() { _, err = l.s.Write(p) })
	if err != nil {
		l.t.Fatalf("Session.Write: %v", err)
	}
}

// goroutines waits until at most n goroutines exist and fails the test
// after 10 s, showing them. A goroutine that has finished its work may
// take a moment to exit; this is not a sleep that orders events.
func goroutines(t testing.TB, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > n {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Fatalf("%d goroutines, want at most %d:\n%s", runtime.NumGoroutine(), n, buf)
		}
		time.Sleep(time.Millisecond)
	}
}

// waitFor waits until cond holds, for up to 10 s, polling: for states
// that have no event to wait on, such as a pool's queue.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s after 10 s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// poolIdle waits until p has no worker left.
func poolIdle(t testing.TB, p *Pool) {
	t.Helper()
	waitFor(t, "idle pool", func() bool { return p.Stats().Running == 0 })
}

// versions are the TLS versions the tests run.
var versions = []struct {
	name string
	v    uint16
}{{"TLS1.2", tls.VersionTLS12}, {"TLS1.3", tls.VersionTLS13}}

// errString is err's text, or "<nil>".
func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}
