package scenario

import (
	"errors"
	"fmt"
	"math"
	"net/netip"
	"regexp"
	"time"

	"golang.org/x/sys/windows"

	"github.com/goafd/afd"
	"github.com/goafd/afd/internal/sock"
	"github.com/goafd/afd/iocp"
)

// A Scenario is one situation of the driver, with what Windows does in it.
type Scenario struct {
	// Name identifies the scenario in tables and on command lines.
	Name string
	// Truth is what Windows does, in a sentence or two: the doc comment of
	// the scenario's function.
	Truth string
	// Expected is Truth in brief, for tables and test names.
	Expected string

	run func(*env) error
}

// Config bounds the waits of a scenario. The zero Config uses the
// defaults.
type Config struct {
	// Timeout bounds each wait for something that must happen. It must
	// exceed the ~2 s a refused loopback connect takes on Windows, which
	// retries the SYN. Default 5 s.
	Timeout time.Duration
	// Quiet is how long a scenario watches for something that must not
	// happen, such as the completion of a poll that must stay pending.
	// Default 300 ms.
	Quiet time.Duration
}

func (c Config) withDefaults() Config {
	if c.Timeout <= 0 {
		c.Timeout = 5 * time.Second
	}
	if c.Quiet <= 0 {
		c.Quiet = 300 * time.Millisecond
	}
	return c
}

// Scenarios returns every scenario, in the order tables list them.
func Scenarios() []Scenario {
	return append([]Scenario(nil), all...)
}

// Select returns the scenarios whose name matches the regular expression
// pattern; an empty pattern selects all.
func Select(pattern string) ([]Scenario, error) {
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, fmt.Errorf("scenario: select: %w", err)
	}
	var out []Scenario
	for _, s := range all {
		if re.MatchString(s.Name) {
			out = append(out, s)
		}
	}
	return out, nil
}

// RunAll runs the scenarios one after the other.
func RunAll(scenarios []Scenario, c Config) []Result {
	out := make([]Result, len(scenarios))
	for i, s := range scenarios {
		out[i] = s.Run(c)
	}
	return out
}

// Run runs the scenario with its own completion port, AFD handle and
// sockets, and releases them all before returning. It never blocks longer
// than a few multiples of c.Timeout.
func (s Scenario) Run(c Config) Result {
	e := newEnv(c.withDefaults(), s)
	start := time.Now()
	err := e.setup()
	if err == nil {
		err = s.run(e)
	}
	e.teardown()
	if err != nil && e.res.Err == "" {
		e.res.Err = err.Error()
	}
	e.res.Took = time.Since(start)
	e.res.Polls = make([]Poll, len(e.ops))
	for i, o := range e.ops {
		e.res.Polls[i] = *o.Poll
	}
	switch {
	case e.res.Err != "":
		e.res.Verdict = VerdictError
	case len(e.res.Mismatches) > 0:
		e.res.Verdict = VerdictMismatch
	case len(e.res.WineNotes) > 0:
		e.res.Verdict = VerdictWine
	default:
		e.res.Verdict = VerdictMatch
	}
	return *e.res
}

// mainKey is the completion key of a scenario's main AFD handle.
const mainKey = 1

// env is what a scenario runs in: a port, a main AFD handle associated with
// it under mainKey, the sockets it made, the polls it issued, and the
// Result it is filling in.
type env struct {
	cfg  Config
	res  *Result
	wine bool

	port *iocp.Port
	dev  *afd.Device
	keys map[*afd.Device]uintptr // open devices and their keys

	socks map[sock.Handle]bool // open sockets
	ops   []*op                // every poll issued, in order
	cur   map[*afd.Request]*op // the latest poll of each request
}

// op is a poll in flight or done.
type op struct {
	*Poll
	req     *afd.Request
	dev     *afd.Device
	handles []windows.Handle // as submitted, to index the ready entries
	start   time.Time
}

func newEnv(c Config, s Scenario) *env {
	e := &env{
		cfg:   c,
		res:   &Result{Name: s.Name, Truth: s.Truth, Expected: s.Expected},
		keys:  make(map[*afd.Device]uintptr),
		socks: make(map[sock.Handle]bool),
		cur:   make(map[*afd.Request]*op),
	}
	e.res.Wine, e.wine = Wine()
	return e
}

func (e *env) setup() error {
	port, err := iocp.New(0)
	if err != nil {
		return err
	}
	e.port = port
	e.dev, err = e.device(mainKey, windows.FILE_SKIP_SET_EVENT_ON_HANDLE, nil)
	return err
}

// device opens an AFD handle (with afd.Open, or open if not nil),
// associates it with the port under key and sets the completion modes.
func (e *env) device(key uintptr, modes uint8, open func() (*afd.Device, error)) (*afd.Device, error) {
	if open == nil {
		open = func() (*afd.Device, error) { return afd.Open(`\Device\Afd\scenario`) }
	}
	d, err := open()
	if err != nil {
		return nil, err
	}
	if err := e.port.Associate(d.Handle(), key); err != nil {
		d.Close()
		return nil, err
	}
	if err := d.SetCompletionModes(modes); err != nil {
		d.Close()
		return nil, err
	}
	e.keys[d] = key
	return d, nil
}

// teardown cancels what is still pending, collects the completions, and
// closes sockets, devices and port, in an order that leaves no request
// pinned: a pending request's completion is always dequeued.
func (e *env) teardown() {
	if e.port == nil {
		return
	}
	for _, o := range e.pending() {
		if _, ok := e.keys[o.dev]; ok {
			o.dev.Cancel(o.req)
		}
	}
	e.drain(e.cfg.Timeout)
	for h := range e.socks {
		sock.Close(h)
	}
	clear(e.socks)
	for d := range e.keys {
		d.Close()
	}
	clear(e.keys)
	e.drain(e.cfg.Timeout)
	if n := len(e.pending()); n > 0 {
		e.fail("%d polls never completed: their requests stay pinned", n)
	}
	e.port.Close()
}

// pending returns the polls whose completion packet is still due.
func (e *env) pending() []*op {
	var out []*op
	for _, o := range e.cur {
		if o.req.Pending() {
			out = append(out, o)
		}
	}
	return out
}

// drain dequeues packets until no poll is pending, or d has passed.
func (e *env) drain(d time.Duration) {
	deadline := time.Now().Add(d)
	for len(e.pending()) > 0 {
		left := time.Until(deadline)
		if left <= 0 {
			return
		}
		if e.dequeue(left) == 0 {
			return
		}
	}
}

// dequeue waits up to d for packets and records the completions they
// carry. It returns how many packets it took.
func (e *env) dequeue(d time.Duration) int {
	var entries [8]iocp.Entry
	n, err := e.port.Wait(entries[:], d)
	if err != nil {
		e.fail("dequeue: %v", err)
		return 0
	}
	for _, en := range entries[:n] {
		e.packet(en)
	}
	return n
}

// packet records the completion carried by en.
func (e *env) packet(en iocp.Entry) {
	if en.Overlapped == nil {
		e.notef("packet with key %d and no overlapped pointer", en.Key)
		return
	}
	known := false
	for _, k := range e.keys {
		known = known || k == en.Key
	}
	if !known {
		// Not from a device of ours: the overlapped pointer is not a
		// Request, and RequestOf must not see it.
		e.fail("packet with unknown key %d", en.Key)
		return
	}
	req := afd.RequestOf(en.Overlapped)
	o := e.cur[req]
	if o == nil {
		e.fail("packet for a request no poll issued (key %d)", en.Key)
		return
	}
	if o.Queued {
		e.fail("poll %q: a second packet", o.Label)
	}
	o.Queued = true
	o.Key = en.Key
	o.Bytes = en.Bytes
	if st := afd.Status(en.Internal); st != o.req.Status() {
		e.notef("poll %q: packet status %v, IO_STATUS_BLOCK %v", o.Label, st, o.req.Status())
	}
	if !o.Completed {
		e.record(o)
	}
}

// record copies a completed request's outcome into its Poll.
func (e *env) record(o *op) {
	o.Completed = true
	o.Took = time.Since(o.start)
	o.Status = o.req.Status()
	o.Count = int(o.req.Info().NumberOfHandles)
	o.Ready = nil
	for _, h := range o.req.Ready() {
		idx := -1
		for i, s := range o.handles {
			if s == h.Handle {
				idx = i
				break
			}
		}
		o.Ready = append(o.Ready, Entry{Index: idx, Events: h.Events, Status: h.Status})
	}
}

// poll submits req on d, labelled for the result. An error means the
// driver refused the poll; it is recorded in the Poll as well.
func (e *env) poll(d *afd.Device, label string, req *afd.Request) (*op, error) {
	o := &op{Poll: &Poll{Label: label, Handles: req.Len()}, req: req, dev: d}
	info := req.Info()
	o.Exclusive = info.Exclusive != 0
	o.Timeout = -1
	if info.Timeout < 0 {
		o.Timeout = time.Duration(-info.Timeout) * 100
	} else if info.Timeout != math.MaxInt64 {
		o.Timeout = 0 // zero, or an absolute time, which no scenario uses
	}
	for _, h := range req.Handles() {
		o.Requested |= h.Events
		o.handles = append(o.handles, h.Handle)
	}
	e.ops = append(e.ops, o)
	e.cur[req] = o
	o.start = time.Now()
	o.Status = afd.StatusPending
	done, err := d.Poll(req)
	switch {
	case err != nil:
		o.Completed = true
		var st afd.Status
		if errors.As(err, &st) {
			o.Submit, o.Status = st, st
		}
		return o, err
	case done:
		o.Inline = true
		o.Submit = req.Status()
		e.record(o)
	default:
		o.Submit = afd.StatusPending
	}
	return o, nil
}

// await dequeues until every poll in ops has completed, at most d. Polls
// completed inline also wait for their packet, unless none is due. A poll
// that does not complete in time is a mismatch: await reports false.
func (e *env) await(d time.Duration, ops ...*op) bool {
	deadline := time.Now().Add(d)
	for {
		waiting := false
		for _, o := range ops {
			waiting = waiting || o.req.Pending() && e.cur[o.req] == o
		}
		if !waiting {
			break
		}
		left := time.Until(deadline)
		if left <= 0 || e.dequeue(left) == 0 {
			break
		}
	}
	ok := true
	for _, o := range ops {
		switch {
		case !o.Completed:
			e.mismatch("poll %q did not complete within %v", o.Label, d)
			ok = false
		case o.req.Pending() && e.cur[o.req] == o:
			e.mismatch("poll %q completed inline but its packet did not come within %v", o.Label, d)
			ok = false
		}
	}
	return ok
}

// quiet dequeues for d and reports false, recording a mismatch, if any of
// ops completed meanwhile: they must stay pending.
func (e *env) quiet(d time.Duration, ops ...*op) bool {
	deadline := time.Now().Add(d)
	for left := d; left > 0; left = time.Until(deadline) {
		e.dequeue(left)
	}
	ok := true
	for _, o := range ops {
		if o.Completed {
			e.mismatch("poll %q completed (%v, %v) but must stay pending", o.Label, o.Status, o.Reported())
			ok = false
		}
	}
	return ok
}

// cancel cancels a pending poll and waits for its completion.
func (e *env) cancel(o *op) error {
	if err := o.dev.Cancel(o.req); err != nil {
		return err
	}
	e.await(e.cfg.Timeout, o)
	return nil
}

// request returns a request for one socket.
func request(s windows.Handle, events afd.Events) *afd.Request {
	r := afd.NewRequest(1)
	r.Set(0, s, events)
	return r
}

// Sockets.

func (e *env) track(h sock.Handle) sock.Handle { e.socks[h] = true; return h }

// closeSock closes h and forgets it.
func (e *env) closeSock(h sock.Handle) error { delete(e.socks, h); return sock.Close(h) }

// abortSock resets h's connection (SO_LINGER 0) and forgets h.
func (e *env) abortSock(h sock.Handle) error { delete(e.socks, h); return sock.Abort(h) }

// pair returns a connected TCP pair over loopback, and the base socket
// of the client end, the handle a poll names.
func (e *env) pair() (client, server sock.Handle, base windows.Handle, err error) {
	c, s, err := sock.Pair(sock.TCP4)
	if err != nil {
		return 0, 0, 0, err
	}
	e.track(c)
	e.track(s)
	b, err := e.base(c)
	if err != nil {
		return 0, 0, 0, err
	}
	return c, s, b, nil
}

// listen returns a listening socket and its address.
func (e *env) listen() (sock.Handle, netip.AddrPort, error) {
	l, addr, err := sock.Listen(sock.TCP4)
	if err != nil {
		return 0, netip.AddrPort{}, err
	}
	return e.track(l), addr, nil
}

// base returns the base provider socket of h.
func (e *env) base(h sock.Handle) (windows.Handle, error) {
	return afd.BaseSocket(windows.Handle(h))
}

// Checks.

// mismatch records a difference from the Windows behaviour.
func (e *env) mismatch(format string, args ...any) {
	e.res.Mismatches = append(e.res.Mismatches, fmt.Sprintf(format, args...))
}

// fail records that the scenario could not run properly.
func (e *env) fail(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if e.res.Err == "" {
		e.res.Err = msg
	} else {
		e.res.Err += "; " + msg
	}
}

// notef records an observation.
func (e *env) notef(format string, args ...any) {
	e.res.Notes = append(e.res.Notes, fmt.Sprintf(format, args...))
}

// wineDiff records a known Wine difference that was observed.
func (e *env) wineDiff(format string, args ...any) {
	e.res.WineNotes = append(e.res.WineNotes, fmt.Sprintf(format, args...))
}

// check records a mismatch unless got == want.
func check[T comparable](e *env, what string, got, want T) bool {
	if got != want {
		e.mismatch("%s: got %v, want %v", what, got, want)
		return false
	}
	return true
}

// checkWine is check for a value that Wine is known to get wrong: under
// Wine, observing wine instead of want is recorded as the Wine difference
// note rather than as a mismatch.
func checkWine[T comparable](e *env, what string, got, want, wine T, note string) bool {
	switch {
	case got == want:
		return true
	case e.wine && got == wine:
		e.wineDiff("%s: %v instead of %v: %s", what, got, want, note)
	default:
		e.mismatch("%s: got %v, want %v", what, got, want)
	}
	return false
}

// expectReady checks that o completed with STATUS_SUCCESS and exactly one
// ready socket reporting events with the socket status st (not checked if
// st is anyStatus).
func (e *env) expectReady(o *op, events afd.Events, st afd.Status) bool {
	return e.expectReadyWine(o, events, events, st, "")
}

// expectReadyWine is expectReady for events that Wine is known to report
// as wineEvents instead, as note explains.
func (e *env) expectReadyWine(o *op, events, wineEvents afd.Events, st afd.Status, note string) bool {
	ok := check(e, o.Label+": poll status", o.Status, afd.StatusSuccess)
	ok = check(e, o.Label+": ready sockets", o.Count, 1) && ok
	if len(o.Ready) == 1 {
		ok = checkWine(e, o.Label+": events", o.Ready[0].Events, events, wineEvents, note) && ok
		if st != anyStatus {
			ok = check(e, o.Label+": socket status", o.Ready[0].Status, st) && ok
		}
	}
	return ok
}

// expectTimeout checks that o completed with STATUS_TIMEOUT and nothing ready.
func (e *env) expectTimeout(o *op) bool {
	ok := check(e, o.Label+": poll status", o.Status, afd.StatusTimeout)
	return check(e, o.Label+": ready sockets", o.Count, 0) && ok
}
