package poll

import (
	"runtime"
	"testing"
	"time"

	"github.com/goafd/afd/internal/sock"
)

func TestLevel(t *testing.T) {
	c, s := pair(t, sock.TCP4)
	p := newPoller(t)
	add(t, p, c, 1, In|Out)
	expect(t, p, 1, Out)
	write(t, s, "ping")
	arrive(t, c)
	for range 3 {
		expectOnce(t, p, 1, In|Out) // on every Wait while readable
	}
	if got := drain(t, c); got != "ping" {
		t.Fatalf("read %q", got)
	}
	expect(t, p, 1, Out)
	modify(t, p, c, 1, In)
	quiet(t, p, 1)
	write(t, s, "pong")
	expect(t, p, 1, In)
}

func TestOneshot(t *testing.T) {
	c, s := pair(t, sock.TCP4)
	p := newPoller(t)
	add(t, p, c, 1, In|Oneshot)
	quiet(t, p, 1)
	write(t, s, "ping")
	arrive(t, c)
	expectOnce(t, p, 1, In)
	quiet(t, p, 1) // still readable, but disabled
	write(t, s, "more")
	quiet(t, p, 1) // new data does not re-arm it either
	modify(t, p, c, 2, In|Oneshot)
	expectOnce(t, p, 2, In) // Modify re-arms, with the new key
	quiet(t, p, anyKey)
	drain(t, c)
	modify(t, p, c, 2, In|Out|Oneshot)
	expectOnce(t, p, 2, Out)
	quiet(t, p, anyKey)
}

// TestOneshotHangup: a disabled one-shot registration does not report a
// hang-up either (epoll disables Err and Hup too), until Modify.
func TestOneshotHangup(t *testing.T) {
	c, s, err := sock.Pair(sock.TCP4)
	if err != nil {
		t.Fatal(err)
	}
	closeLater(t, c)
	p := newPoller(t)
	add(t, p, c, 1, Out|Oneshot)
	expectOnce(t, p, 1, Out)
	sock.Abort(s)
	arrive(t, c)
	quiet(t, p, 1)
	modify(t, p, c, 1, In|Oneshot)
	expectOnce(t, p, 1, In|Err|Hup)
	quiet(t, p, 1)
}

func TestEdgeIdleWritable(t *testing.T) {
	c, _ := pair(t, sock.TCP4)
	p := newPoller(t)
	add(t, p, c, 1, Out|Edge)
	expectOnce(t, p, 1, Out)
	// An idle writable socket is not reported again and again.
	quiet(t, p, 1)
	quiet(t, p, 1)
}

func TestEdgeNewData(t *testing.T) {
	c, s := pair(t, sock.TCP4)
	p := newPoller(t)
	add(t, p, c, 1, In|Edge)
	quiet(t, p, 1)
	write(t, s, "one")
	arrive(t, c)
	expectOnce(t, p, 1, In)
	quiet(t, p, 1) // still readable: no new transition
	if got := drain(t, c); got != "one" {
		t.Fatalf("read %q", got)
	}
	// The reader got WouldBlock: it rearms, as the Edge contract asks
	// (needed on Windows, free elsewhere).
	rearm(t, p, c, In)
	// After the reader drained the socket, new data is a new transition.
	write(t, s, "two")
	arrive(t, c)
	expectOnce(t, p, 1, In)
	quiet(t, p, 1)
}

// TestEdgeInOut: a transition of one bit reports the whole readiness of
// the interest. epoll polls the socket again when it wakes up and so
// reports Out along with In, though only In changed; the test asks for
// that on Linux and accepts In alone elsewhere.
func TestEdgeInOut(t *testing.T) {
	c, s := pair(t, sock.TCP4)
	p := newPoller(t)
	add(t, p, c, 1, In|Out|Edge)
	expectOnce(t, p, 1, Out)
	quiet(t, p, 1)
	write(t, s, "data")
	arrive(t, c)
	got := nextReport(t, p, 1)
	want := In | Out
	if runtime.GOOS != "linux" && got == In {
		want = In
	}
	if got != want {
		t.Fatalf("edge after new data: got %v, want %v", got, want)
	}
	quiet(t, p, 1)
}

// TestEdgeOutAfterFull: writability comes back as an edge once the send
// buffer filled (a write would block) and the peer drained it.
func TestEdgeOutAfterFull(t *testing.T) {
	c, s := pair(t, sock.TCP4)
	sock.SetBuffers(c, 4096, 0)
	sock.SetBuffers(s, 0, 4096)
	p := newPoller(t)
	add(t, p, c, 1, Out|Edge)
	expectOnce(t, p, 1, Out)
	total := fill(t, c)
	rearm(t, p, c, Out) // the writer got WouldBlock
	quiet(t, p, 1)
	readN(t, s, total)
	expectOnce(t, p, 1, Out)
	quiet(t, p, 1)
}

// TestEdgeOutNotStuck: many small writes that never fill the buffer do
// not report writability again (mio #1963 saw spurious ones).
func TestEdgeOutNotStuck(t *testing.T) {
	c, s := pair(t, sock.TCP4)
	p := newPoller(t)
	add(t, p, c, 1, Out|Edge)
	expectOnce(t, p, 1, Out)
	for range 200 {
		write(t, c, "x")
	}
	readN(t, s, 200)
	quiet(t, p, 1)
}

func TestEdgeOneshot(t *testing.T) {
	c, s := pair(t, sock.TCP4)
	p := newPoller(t)
	add(t, p, c, 1, In|Edge|Oneshot)
	write(t, s, "one")
	arrive(t, c)
	expectOnce(t, p, 1, In)
	write(t, s, "two") // a new edge, but the registration is disabled
	quiet(t, p, 1)
	modify(t, p, c, 1, In|Edge|Oneshot)
	expectOnce(t, p, 1, In)
	quiet(t, p, 1)
}

// nextReport returns the events of the next report for key.
func nextReport(t *testing.T, p *Poller, key uint64) Events {
	t.Helper()
	deadline := time.Now().Add(eventTimeout)
	for time.Now().Before(deadline) {
		for _, e := range wait(t, p, 100*time.Millisecond) {
			if e.Key == key {
				return e.Events
			}
		}
	}
	t.Fatalf("key %d: no event", key)
	return 0
}

// fill writes to h until its send buffer is full and returns how much it
// wrote.
func fill(t *testing.T, h sock.Handle) int {
	t.Helper()
	buf := make([]byte, 64<<10)
	total := 0
	for {
		n, err := sock.Write(h, buf)
		if sock.WouldBlock(err) {
			return total
		}
		if err != nil {
			t.Fatal(err)
		}
		total += n
	}
}

// readN reads n bytes from h, waiting for them as needed.
func readN(t *testing.T, h sock.Handle, n int) {
	t.Helper()
	buf := make([]byte, 64<<10)
	for n > 0 {
		k, err := sock.Read(h, buf[:min(n, len(buf))])
		if sock.WouldBlock(err) {
			arrive(t, h)
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if k == 0 {
			t.Fatalf("end of stream with %d bytes to come", n)
		}
		n -= k
	}
}

// rearm tells p that h was drained for ev, as edge-triggered callers do
// after WouldBlock.
func rearm(t testing.TB, p *Poller, h sock.Handle, ev Events) {
	t.Helper()
	if err := p.Rearm(uintptr(h), ev); err != nil {
		t.Fatal(err)
	}
}
