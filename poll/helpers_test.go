package poll

import (
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/goafd/afd/internal/sock"
)

// The conformance suite runs the same tests with the same expectations on
// every platform: Linux natively, Windows natively or under Wine, the BSDs
// and macOS where a machine is at hand. Where a platform must differ, the
// test says so and why.

// Time limits. The suite only bounds waits from below, except for
// generous upper bounds that only a hang can miss.
var (
	// eventTimeout bounds the wait for an event that must come.
	eventTimeout = 10 * time.Second
	// quietTime is how long a test watches for events that must not come.
	// Windows polls complete asynchronously (and, under Wine, each call is
	// a round trip to the wine server), so it watches longer there.
	quietTime = map[bool]time.Duration{false: 100 * time.Millisecond, true: 300 * time.Millisecond}[runtime.GOOS == "windows"]
)

// scaled divides the counts of the heavy tests under Wine: each Windows
// call is a round trip to the wine server there, 20-70 times slower than
// native, and the point (many sockets, many cycles) is made with fewer.
func scaled(n int) int {
	if underWine() {
		return max(n/10, 1)
	}
	return n
}

// deleteBeforeClose runs the suite with every Poller made with the option
// DeleteBeforeClose (POLL_TEST_DELETE_BEFORE_CLOSE=1 in the environment;
// make test runs the suite both ways). Tests that close registered
// sockets without Delete skip themselves then (see closesRegistered).
var deleteBeforeClose = os.Getenv("POLL_TEST_DELETE_BEFORE_CLOSE") == "1"

// testOptions are the Options of the Pollers the tests make.
func testOptions() []Option {
	if deleteBeforeClose {
		return []Option{DeleteBeforeClose()}
	}
	return nil
}

// closesRegistered skips a test that closes registered sockets without
// Delete when the suite runs with DeleteBeforeClose: it breaks the
// promise the option makes.
func closesRegistered(t testing.TB) {
	t.Helper()
	if deleteBeforeClose {
		t.Skip("closes registered sockets without Delete; the suite runs with DeleteBeforeClose")
	}
}

func newPoller(t testing.TB) *Poller {
	t.Helper()
	return newPollerWith(t, testOptions()...)
}

// newPollerWith returns a Poller made with opts, whatever the suite runs
// with, closed when the test ends.
func newPollerWith(t testing.TB, opts ...Option) *Poller {
	t.Helper()
	p, err := New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil && !errors.Is(err, ErrClosed) {
			t.Errorf("close: %v", err)
		}
	})
	return p
}

// closeLater closes h when the test ends, unless the test closed it.
func closeLater(t testing.TB, hs ...sock.Handle) {
	t.Cleanup(func() {
		for _, h := range hs {
			sock.Close(h) // may fail: the test closed it
		}
	})
}

func pair(t testing.TB, n sock.Network) (c, s sock.Handle) {
	t.Helper()
	c, s, err := sock.Pair(n)
	if err != nil {
		t.Fatal(err)
	}
	closeLater(t, c, s)
	return c, s
}

func udp(t testing.TB, n sock.Network) (sock.Handle, netip.AddrPort) {
	t.Helper()
	h, a, err := sock.Bind(n)
	if err != nil {
		t.Fatal(err)
	}
	closeLater(t, h)
	return h, a
}

func add(t testing.TB, p *Poller, h sock.Handle, key uint64, ev Events) {
	t.Helper()
	if err := p.Add(uintptr(h), key, ev); err != nil {
		t.Fatal(err)
	}
	checkInvariants(t, p)
}

// addAfterClose adds h, a new socket that may have the handle value of a
// registered one just closed without Delete. On Windows closesocket
// completes the polls that name the socket before it returns, so Add
// finds the close at once. Wine queues that completion only once the
// thread that submitted the poll next enters the wine server, which may
// be after Add has looked: under Wine, ErrExist is retried for a bounded
// time. It returns how many retries it took.
func addAfterClose(t testing.TB, p *Poller, h sock.Handle, key uint64, ev Events) (retries int) {
	t.Helper()
	err := p.Add(uintptr(h), key, ev)
	for deadline := time.Now().Add(eventTimeout); underWine() && errors.Is(err, fs.ErrExist) && time.Now().Before(deadline); {
		retries++
		time.Sleep(time.Millisecond)
		err = p.Add(uintptr(h), key, ev)
	}
	if err != nil {
		t.Fatalf("Add of a new socket after a close (retried %d times): %v", retries, err)
	}
	checkInvariants(t, p)
	return retries
}

func modify(t testing.TB, p *Poller, h sock.Handle, key uint64, ev Events) {
	t.Helper()
	if err := p.Modify(uintptr(h), key, ev); err != nil {
		t.Fatal(err)
	}
	checkInvariants(t, p)
}

func write(t testing.TB, h sock.Handle, s string) {
	t.Helper()
	if _, err := sock.Write(h, []byte(s)); err != nil {
		t.Fatal(err)
	}
}

// arrive waits until h can be read: the data a test just sent has
// arrived, so that the next Wait sees it on every platform.
func arrive(t testing.TB, h sock.Handle) {
	t.Helper()
	if err := sock.WaitReadable(h, eventTimeout); err != nil {
		t.Fatal(err)
	}
}

// drain reads h until it would block and returns what it read.
func drain(t testing.TB, h sock.Handle) string {
	t.Helper()
	var b strings.Builder
	buf := make([]byte, 64<<10)
	for {
		n, err := sock.Read(h, buf)
		if sock.WouldBlock(err) {
			return b.String()
		}
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return b.String()
		}
		b.Write(buf[:n])
	}
}

// seen is what a series of Waits reported.
type seen []Event

func (s seen) String() string {
	if len(s) == 0 {
		return "nothing"
	}
	parts := make([]string, len(s))
	for i, e := range s {
		parts[i] = fmt.Sprintf("%d:%v", e.Key, e.Events)
	}
	return strings.Join(parts, " ")
}

// wait runs one Wait and fails the test on an error.
func wait(t testing.TB, p *Poller, d time.Duration) seen {
	t.Helper()
	buf := make([]Event, 64)
	n, err := p.Wait(buf, d)
	if err != nil {
		t.Fatal(err)
	}
	checkInvariants(t, p)
	checkUnique(t, buf[:n])
	return seen(buf[:n])
}

// checkUnique fails if one Wait reported a key twice: every test
// registers each socket under a key of its own.
func checkUnique(t testing.TB, evs []Event) {
	t.Helper()
	keys := make(map[uint64]bool, len(evs))
	for _, e := range evs {
		if keys[e.Key] {
			t.Errorf("one Wait reported key %d twice, among %d events", e.Key, len(evs))
			return
		}
		keys[e.Key] = true
	}
}

// expect waits until a Wait reports exactly want for key, and fails with
// everything it saw if none does in time.
func expect(t testing.TB, p *Poller, key uint64, want Events) {
	t.Helper()
	var all seen
	deadline := time.Now().Add(eventTimeout)
	for time.Now().Before(deadline) {
		for _, e := range wait(t, p, 100*time.Millisecond) {
			all = append(all, e)
			if e.Key == key && e.Events == want {
				return
			}
		}
	}
	t.Fatalf("key %d: want %v; saw %v", key, want, all)
}

// expectOnce waits for the next report of key, which must be exactly
// want: for one-shot and edge registrations, whose first report is the
// only one.
func expectOnce(t testing.TB, p *Poller, key uint64, want Events) {
	t.Helper()
	var all seen
	deadline := time.Now().Add(eventTimeout)
	for time.Now().Before(deadline) {
		for _, e := range wait(t, p, 100*time.Millisecond) {
			all = append(all, e)
			if e.Key != key {
				continue
			}
			if e.Events != want {
				t.Fatalf("key %d: want %v; saw %v", key, want, all)
			}
			return
		}
	}
	t.Fatalf("key %d: want %v; saw %v", key, want, all)
}

// quiet fails if key (any key if key is anyKey) is reported during
// quietTime.
func quiet(t testing.TB, p *Poller, key uint64) {
	t.Helper()
	var all seen
	deadline := time.Now().Add(quietTime)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			break
		}
		for _, e := range wait(t, p, left) {
			if key == anyKey || e.Key == key {
				all = append(all, e)
			}
		}
	}
	if len(all) > 0 {
		t.Fatalf("want no event for %s; saw %v", keyName(key), all)
	}
}

const anyKey = ReservedKey

func keyName(key uint64) string {
	if key == anyKey {
		return "any key"
	}
	return fmt.Sprintf("key %d", key)
}
