package poll

import (
	"errors"
	"fmt"
	"io/fs"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/goafd/afd/internal/sock"
)

// FuzzOps runs random sequences of Add, Modify, Delete, Wait and Wake on a
// few TCP pairs, with writes and reads in between, against a model of the
// events epoll reports in level and one-shot mode. The seed corpus makes
// it a unit test under plain go test; go test -fuzz=FuzzOps explores.
// After every operation the poller's state must keep its invariants
// (checkInvariants: the Windows backend's; the kernel keeps the others').
func FuzzOps(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0x00, 0x00, 0x05, 0x06})                         // add In, wait, settle
	f.Add([]byte{0x00, 0x00, 0x03, 0x02, 0x06, 0x04, 0x09, 0x06}) // add, write, settle, read all, settle
	f.Add([]byte{0x00, 0x03, 0x03, 0x01, 0x05, 0x05, 0x06, 0x01, 0x04, 0x06})
	f.Add([]byte{0x08, 0x02, 0x10, 0x05, 0x0b, 0x00, 0x13, 0x01, 0x06, 0x09, 0x01, 0x06, 0x0a, 0x06})
	f.Add([]byte{0x00, 0x04, 0x00, 0x01, 0x02, 0x02, 0x01, 0x00, 0x07, 0x06, 0x02})
	f.Add([]byte{0x00, 0x05, 0x03, 0x03, 0x07, 0x05, 0x04, 0x05, 0x01, 0x05, 0x06, 0x0c, 0x06})
	f.Add([]byte("level and oneshot: a longer random walk of operations"))
	f.Add([]byte("\x00\x01\x08\x04\x10\x02\x03\x01\x0b\x02\x13\x03\x06\x05\x05\x07\x06\x04\x02\x0c\x01\x06"))
	f.Fuzz(func(t *testing.T, ops []byte) {
		if len(ops) > 256 {
			ops = ops[:256]
		}
		m := newModel(t)
		for len(ops) > 0 {
			op := ops[0]
			ops = ops[1:]
			arg := byte(0)
			if len(ops) > 0 {
				arg = ops[0]
			}
			if m.step(op, arg) {
				ops = ops[min(1, len(ops)):]
			}
			checkInvariants(t, m.p)
		}
		m.settle()
	})
}

// fuzzSocks is how many TCP pairs the model drives.
const fuzzSocks = 3

// fuzzModes are the registrations the model knows.
var fuzzModes = [...]Events{In, Out, In | Out, In | Oneshot, Out | Oneshot, In | Out | Oneshot}

// exactReports: on Linux every report is the socket's readiness at the
// moment Wait collects it (epoll polls the socket then). A Windows poll
// reports what it saw when it completed, which may lack readiness that
// arrived since (never hold readiness that is gone): there a report must
// be a subset of the model, and the full set must come by the settle.
var exactReports = runtime.GOOS == "linux"

type fuzzSock struct {
	c, s     sock.Handle // registered end, writing peer
	on       bool
	interest Events
	armed    bool // false: a one-shot that reported
	pending  int  // bytes written to c and not read; all have arrived
}

type model struct {
	t     *testing.T
	p     *Poller
	socks [fuzzSocks]fuzzSock
	log   []string
	buf   []Event
}

func newModel(t *testing.T) *model {
	m := &model{t: t, p: newPoller(t), buf: make([]Event, 8)}
	for i := range m.socks {
		m.socks[i].c, m.socks[i].s = pair(t, sock.TCP4)
	}
	return m
}

func (m *model) fatalf(format string, args ...any) {
	m.t.Helper()
	m.t.Fatalf("%s\noperations:\n\t%s", fmt.Sprintf(format, args...), strings.Join(m.log, "\n\t"))
}

// expected is what epoll reports for socket i now.
func (m *model) expected(i int) Events {
	s := &m.socks[i]
	if !s.on || !s.armed {
		return 0
	}
	ready := Out
	if s.pending > 0 {
		ready |= In
	}
	return ready & s.interest
}

// step runs one operation and reports whether it used arg.
func (m *model) step(op, arg byte) (usedArg bool) {
	m.t.Helper()
	i := int(op>>3) % fuzzSocks
	s := &m.socks[i]
	fd := uintptr(s.c)
	switch op & 7 {
	case 0, 1: // Add, Modify
		ev := fuzzModes[int(arg)%len(fuzzModes)]
		var err error
		if op&7 == 0 {
			m.log = append(m.log, fmt.Sprintf("add %d %v", i, ev))
			err = m.p.Add(fd, uint64(i), ev)
		} else {
			m.log = append(m.log, fmt.Sprintf("modify %d %v", i, ev))
			err = m.p.Modify(fd, uint64(i), ev)
		}
		switch {
		case op&7 == 0 && s.on:
			if !errors.Is(err, fs.ErrExist) {
				m.fatalf("add of a registered socket: %v", err)
			}
		case op&7 == 1 && !s.on:
			if !errors.Is(err, fs.ErrNotExist) {
				m.fatalf("modify of an unknown socket: %v", err)
			}
		case err != nil:
			m.fatalf("%v", err)
		default:
			s.on, s.interest, s.armed = true, ev, true
		}
		return true
	case 2: // Delete
		m.log = append(m.log, fmt.Sprintf("delete %d", i))
		err := m.p.Delete(fd)
		if !s.on {
			if !errors.Is(err, fs.ErrNotExist) {
				m.fatalf("delete of an unknown socket: %v", err)
			}
			return false
		}
		if err != nil {
			m.fatalf("%v", err)
		}
		s.on = false
	case 3: // the peer writes 1-4 bytes, if all it wrote was read
		if s.pending > 0 {
			return false
		}
		n := 1 + int(arg)%4
		m.log = append(m.log, fmt.Sprintf("write %d bytes to %d", n, i))
		if _, err := sock.Write(s.s, []byte("abcd")[:n]); err != nil {
			m.fatalf("%v", err)
		}
		if err := sock.WaitReadable(s.c, eventTimeout); err != nil {
			m.fatalf("%v", err)
		}
		s.pending = n
		return true
	case 4: // read 1-4 bytes
		want := 1 + int(arg)%4
		m.log = append(m.log, fmt.Sprintf("read %d bytes from %d", want, i))
		n, err := sock.Read(s.c, make([]byte, want))
		switch {
		case s.pending == 0:
			if !sock.WouldBlock(err) {
				m.fatalf("read with nothing sent: %d, %v", n, err)
			}
		case err != nil:
			m.fatalf("%v", err)
		case n != min(want, s.pending):
			m.fatalf("read %d bytes of %d pending", n, s.pending)
		default:
			s.pending -= n
		}
		return true
	case 5: // Wait without blocking
		m.log = append(m.log, "wait 0")
		m.wait(0)
	case 6:
		m.log = append(m.log, "settle")
		m.settle()
	case 7: // Wake, then a Wait that must return at once
		m.log = append(m.log, "wake")
		if err := m.p.Wake(); err != nil {
			m.fatalf("%v", err)
		}
		start := time.Now()
		m.wait(time.Minute)
		if d := time.Since(start); d > eventTimeout {
			m.fatalf("Wait after Wake took %v", d)
		}
	}
	return false
}

// wait runs one Wait and checks each report against the model.
func (m *model) wait(d time.Duration) []Event {
	m.t.Helper()
	n, err := m.p.Wait(m.buf, d)
	if err != nil {
		m.fatalf("wait: %v", err)
	}
	evs := m.buf[:n]
	for j, e := range evs {
		if e.Key >= fuzzSocks {
			m.fatalf("event for unknown key: %v", e)
		}
		for _, o := range evs[:j] {
			if o.Key == e.Key {
				m.fatalf("key %d twice in one Wait: %v", e.Key, seen(evs))
			}
		}
		want := m.expected(int(e.Key))
		switch {
		case want == 0:
			m.fatalf("event %v: want none", e)
		case e.Events == 0 || e.Events&^want != 0:
			m.fatalf("event %v: want %v", e, want)
		case exactReports && e.Events != want:
			m.fatalf("event %v: want %v", e, want)
		}
		s := &m.socks[e.Key]
		if s.interest&Oneshot != 0 {
			s.armed = false
		}
	}
	if n > 0 {
		m.log = append(m.log, fmt.Sprintf("  -> %v", seen(evs)))
	}
	return evs
}

// settle waits until every socket the model expects to be reported has
// been, with its full readiness for a level-triggered one.
func (m *model) settle() {
	m.t.Helper()
	due := map[uint64]Events{}
	for i := range m.socks {
		if want := m.expected(i); want != 0 {
			due[uint64(i)] = want
		}
	}
	deadline := time.Now().Add(eventTimeout)
	for len(due) > 0 {
		if time.Now().After(deadline) {
			m.fatalf("never reported: %v", due)
		}
		for _, e := range m.wait(50 * time.Millisecond) {
			if want, ok := due[e.Key]; ok && (e.Events == want || m.socks[e.Key].interest&Oneshot != 0) {
				delete(due, e.Key)
			}
		}
	}
}
