package poll

import (
	"fmt"
	"reflect"
	"runtime"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/goafd/afd"
	"github.com/goafd/afd/internal/sock"
)

// A recordingDevice remembers every request submitted through it.
type recordingDevice struct {
	device
	mu   sync.Mutex
	reqs map[*afd.Request]bool
}

func (d *recordingDevice) Poll(r *afd.Request) (bool, error) {
	d.mu.Lock()
	d.reqs[r] = true
	d.mu.Unlock()
	return d.device.Poll(r)
}

// recording makes p record the requests it submits on the devices it
// opens from now on (before its first Add), and returns a function that
// lists those still pending: submitted, completion not yet taken back.
func recording(p *Poller) func() []*afd.Request {
	var (
		mu   sync.Mutex
		devs []*recordingDevice
	)
	p.sys.groups.wrap = func(dev *afd.Device) device {
		d := &recordingDevice{device: dev, reqs: map[*afd.Request]bool{}}
		mu.Lock()
		devs = append(devs, d)
		mu.Unlock()
		return d
	}
	return func() []*afd.Request {
		mu.Lock()
		defer mu.Unlock()
		var pending []*afd.Request
		for _, d := range devs {
			d.mu.Lock()
			for r := range d.reqs {
				if r.Pending() {
					pending = append(pending, r)
				}
			}
			d.mu.Unlock()
		}
		return pending
	}
}

// reachableRequests returns the addresses of the afd.Requests reachable
// from v by following pointers, slices, maps, interfaces and fields, the
// unexported included. It does not look inside a Request (the pin of a
// pending Request points back at it), nor into the devices' wrappers of
// the tests.
func reachableRequests(v any) map[uintptr]bool {
	found := map[uintptr]bool{}
	reqType := reflect.TypeFor[afd.Request]()
	type seenKey struct {
		t reflect.Type
		a uintptr
	}
	seenPtr := map[seenKey]bool{}
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.Pointer:
			if v.IsNil() {
				return
			}
			k := seenKey{v.Type(), v.Pointer()}
			if seenPtr[k] {
				return
			}
			seenPtr[k] = true
			if v.Type().Elem() == reqType {
				found[v.Pointer()] = true
				return
			}
			walk(v.Elem())
		case reflect.Interface:
			if !v.IsNil() {
				walk(v.Elem())
			}
		case reflect.Struct:
			if v.Type() == reflect.TypeFor[recordingDevice]() {
				walk(v.Field(0)) // the device, not the record
				return
			}
			for i := range v.NumField() {
				walk(v.Field(i))
			}
		case reflect.Slice:
			for i := range v.Len() {
				walk(v.Index(i))
			}
		case reflect.Array:
			for i := range v.Len() {
				walk(v.Index(i))
			}
		case reflect.Map:
			it := v.MapRange()
			for it.Next() {
				walk(it.Key())
				walk(it.Value())
			}
		}
	}
	walk(reflect.ValueOf(v))
	return found
}

// checkOwned fails unless every request pending in the driver is
// reachable from the Poller: memory the kernel writes into belongs to a
// structure the Poller holds until its completion is dequeued, not to a
// pin alone.
func checkOwned(t *testing.T, p *Poller, pending func() []*afd.Request, when string) int {
	t.Helper()
	p.sys.mu.Lock()
	reach := reachableRequests(&p.sys)
	p.sys.mu.Unlock()
	reqs := pending()
	lost := 0
	for _, r := range reqs {
		if !reach[uintptr(unsafe.Pointer(r))] {
			lost++
		}
	}
	if lost > 0 {
		t.Fatalf("%s: %d of %d pending requests are not reachable from the Poller", when, lost, len(reqs))
	}
	return len(reqs)
}

// TestInFlightOwned: with many polls pending, those the Poller no longer
// needs (the close watches of sockets deleted and kept open, cancelled
// once more than lingerLimit of them linger in a group) stay owned by the
// Poller until their completions are dequeued, and the garbage collector
// run in between breaks nothing. Run with GOGC=1 and checkptr.
func TestInFlightOwned(t *testing.T) {
	p := newPoller(t)
	pending := recording(p)
	const n = 3 * groupSize
	hs := make([]sock.Handle, n)
	for i := range hs {
		hs[i], _ = udp(t, sock.UDP4)
	}
	// One socket per group first, and their groups' polls pending: the
	// others, added then, are polled on their own (see pollOwn) until
	// a Wait submits their groups' polls again.
	for i := 0; i < n; i += groupSize {
		add(t, p, hs[i], uint64(i), In)
	}
	quiet(t, p, anyKey)
	checkOwned(t, p, pending, "registered")
	// Add and Delete the others, left open, a few times with no Wait in
	// between: once more than lingerLimit deleted sockets linger in a
	// group, it cancels their polls, whose completions are still to be
	// dequeued.
	for round := range 3 {
		for i, h := range hs {
			if i%groupSize != 0 {
				add(t, p, h, uint64(i), In)
			}
		}
		checkOwned(t, p, pending, fmt.Sprintf("added, round %d", round))
		for i, h := range hs {
			if i%groupSize != 0 {
				if err := p.Delete(uintptr(h)); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	left := checkOwned(t, p, pending, "deleted")
	t.Logf("%d requests pending after the Deletes", left)
	for range 10 {
		runtime.GC()
	}
	checkOwned(t, p, pending, "after GC")
	// Take the completions in; the sockets still work with a new Poller
	// registration.
	wait(t, p, 10*time.Millisecond)
	checkOwned(t, p, pending, "after a Wait")
	from, _ := udp(t, sock.UDP4)
	to, addr := udp(t, sock.UDP4)
	add(t, p, to, 1000, In)
	if err := sock.SendTo(from, []byte("x"), addr); err != nil {
		t.Fatal(err)
	}
	expect(t, p, 1000, In)
	runtime.GC()
	checkOwned(t, p, pending, "at the end")
}
