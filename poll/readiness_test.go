package poll

import (
	"net/netip"
	"runtime"
	"testing"
	"time"

	"github.com/goafd/afd/internal/sock"
)

// everyBit asks for every readiness bit, to show all that epoll reports.
const everyBit = In | Pri | Out | RdNorm | RdBand | WrNorm | WrBand | Msg | RdHup

// common is the interest most tests register: what an event loop asks.
const common = In | Pri | Out | RdHup

// readinessCases are sockets in the situations an event loop meets, with
// what Linux epoll reports for them (measured; see doc.go). The Windows
// backend is held to the same sets.
var readinessCases = []struct {
	name     string
	setup    func(t *testing.T) sock.Handle
	interest Events
	want     Events // 0: nothing is reported
}{
	{"connected idle", connected, common, Out},
	{"connected idle every bit", connected, everyBit, Out | WrNorm},
	{"send buffer full", sendFull, common, 0},
	{"data", withData, common, In | Out},
	{"data every bit", withData, everyBit, In | Out | RdNorm | WrNorm},
	{"data interest In", withData, In, In},
	{"data interest 0", withData, 0, 0},
	{"oob only", withOOB, common, Pri | Out},
	{"oob only every bit", withOOB, everyBit, Pri | Out | WrNorm},
	{"data and oob", withDataAndOOB, common, In | Pri | Out},
	{"peer FIN", peerFIN, common, In | Out | RdHup},
	{"peer FIN every bit", peerFIN, everyBit, In | Out | RdNorm | WrNorm | RdHup},
	{"peer FIN without RdHup", peerFIN, In | Out, In | Out},
	{"peer FIN interest 0", peerFIN, 0, 0},
	{"own shutdown write", ownShutdown, common, Out},
	{"both shut down", bothShut, common, In | Out | Hup | RdHup},
	{"both shut down interest 0", bothShut, 0, Hup},
	{"peer reset", peerRST, common, In | Out | Err | Hup | RdHup},
	{"peer reset every bit", peerRST, everyBit, In | Out | Err | Hup | RdNorm | WrNorm | RdHup},
	{"peer reset interest In", peerRST, In, In | Err | Hup},
	{"peer reset interest 0", peerRST, 0, Err | Hup},
	{"peer reset after SO_ERROR", peerRSTCleared, common, In | Out | Hup | RdHup},
	{"connect refused", refused, common, In | Out | Err | Hup | RdHup},
	{"connect refused every bit", refused, everyBit, In | Out | Err | Hup | RdNorm | WrNorm | RdHup},
	{"connect refused interest In", refused, In, In | Err | Hup},
	{"connect refused interest Out", refused, Out, Out | Err | Hup},
	{"connect refused interest In|Out", refused, In | Out, In | Out | Err | Hup},
	{"connect refused interest 0", refused, 0, Err | Hup},
	{"connect refused after SO_ERROR", refusedCleared, common, In | Out | Hup | RdHup},
	{"connect succeeded", dialed, common, Out},
	{"listener with a connection", pendingListener, common, In},
	{"listener with a connection every bit", pendingListener, everyBit, In | RdNorm},
	{"listener idle", idleListener, common, 0},
	{"udp idle", udpIdle(sock.UDP4), common, Out},
	{"udp idle every bit", udpIdle(sock.UDP4), everyBit, Out | WrNorm | WrBand},
	{"udp datagram", udpDatagram(sock.UDP4), common, In | Out},
	{"udp datagram every bit", udpDatagram(sock.UDP4), everyBit, In | Out | RdNorm | WrNorm | WrBand},
	{"udp6 idle", udpIdle(sock.UDP6), common, Out},
	{"udp6 datagram", udpDatagram(sock.UDP6), common, In | Out},
	{"tcp6 data", withData6, common, In | Out},
	{"tcp6 connect refused", refused6, common, In | Out | Err | Hup | RdHup},
}

// windowsDiffers lists the situations where Windows reports something
// else than Linux, because the AFD driver does not show the state epoll
// derives its bits from.
var windowsDiffers = map[string]struct {
	want Events
	why  string
}{
	"both shut down": {In | Out | RdHup,
		"AFD reports the peer's FIN (DISCONNECT) but not the local shutdown, so no Hup"},
	"both shut down interest 0": {0,
		"AFD reports the peer's FIN (DISCONNECT) but not the local shutdown, so no Hup"},
	"connect refused after SO_ERROR": {In | Out | Err | Hup | RdHup,
		"AFD_POLL_CONNECT_FAIL is sticky: reading SO_ERROR does not clear Err"},
}

// TestReadiness registers sockets in each situation, level-triggered, and
// checks what is reported. Run with -v to print the table.
func TestReadiness(t *testing.T) {
	for _, tc := range readinessCases {
		t.Run(tc.name, func(t *testing.T) {
			if d, ok := windowsDiffers[tc.name]; ok && runtime.GOOS == "windows" {
				t.Logf("Windows differs: %s", d.why)
				tc.want = d.want
			}
			// Where a kqueue differs (kqueue_logic_test.go), the next
			// Waits may report less than the first.
			then := tc.want
			if d, ok := kqueueDiffers[kos(runtime.GOOS)][tc.name]; ok {
				t.Logf("%s differs: %s", runtime.GOOS, d.why)
				tc.want, then = d.first, d.then
			}
			h := tc.setup(t)
			p := newPoller(t)
			add(t, p, h, 1, tc.interest)
			if tc.want == 0 {
				quiet(t, p, anyKey)
			} else {
				expect(t, p, 1, tc.want)
				// Level-triggered: reported again while the state lasts.
				expect(t, p, 1, then)
			}
			t.Logf("%-40s interest %-22v -> %v", tc.name, tc.interest, tc.want)
		})
	}
}

func connected(t *testing.T) sock.Handle {
	c, _ := pair(t, sock.TCP4)
	return c
}

// sendFull fills the send buffer and the peer's receive buffer (small
// ones), until writing would block even after a pause for the data in
// flight to settle.
func sendFull(t *testing.T) sock.Handle {
	c, s := pair(t, sock.TCP4)
	sock.SetBuffers(c, 4096, 0)
	sock.SetBuffers(s, 0, 4096)
	for fill(t, c) > 0 {
		time.Sleep(20 * time.Millisecond)
	}
	return c
}

func withData(t *testing.T) sock.Handle {
	c, s := pair(t, sock.TCP4)
	write(t, s, "hello")
	arrive(t, c)
	return c
}

func withData6(t *testing.T) sock.Handle {
	c, s := pair(t, sock.TCP6)
	write(t, s, "hello")
	arrive(t, c)
	return c
}

// oobArrived waits for urgent data, which WaitReadable does not see:
// with a Poller where Pri is reported, with poll(2) and POLLPRI on the
// BSDs and macOS (waitOOB), which do not report Pri everywhere.
func oobArrived(t *testing.T, h sock.Handle) {
	t.Helper()
	waitOOB(t, h)
}

func withOOB(t *testing.T) sock.Handle {
	c, s := pair(t, sock.TCP4)
	if err := sock.SendOOB(s, []byte("!")); err != nil {
		t.Fatal(err)
	}
	oobArrived(t, c)
	return c
}

func withDataAndOOB(t *testing.T) sock.Handle {
	c, s := pair(t, sock.TCP4)
	write(t, s, "hello")
	if err := sock.SendOOB(s, []byte("!")); err != nil {
		t.Fatal(err)
	}
	arrive(t, c)
	oobArrived(t, c)
	return c
}

func peerFIN(t *testing.T) sock.Handle {
	c, s := pair(t, sock.TCP4)
	if err := sock.ShutdownWrite(s); err != nil {
		t.Fatal(err)
	}
	arrive(t, c)
	return c
}

func ownShutdown(t *testing.T) sock.Handle {
	c, s := pair(t, sock.TCP4)
	if err := sock.ShutdownWrite(c); err != nil {
		t.Fatal(err)
	}
	arrive(t, s) // the FIN reached the peer
	return c
}

func bothShut(t *testing.T) sock.Handle {
	c, s := pair(t, sock.TCP4)
	if err := sock.ShutdownWrite(s); err != nil {
		t.Fatal(err)
	}
	if err := sock.ShutdownWrite(c); err != nil {
		t.Fatal(err)
	}
	arrive(t, c)
	arrive(t, s)
	return c
}

func peerRST(t *testing.T) sock.Handle {
	c, s, err := sock.Pair(sock.TCP4)
	if err != nil {
		t.Fatal(err)
	}
	closeLater(t, c)
	if err := sock.Abort(s); err != nil {
		t.Fatal(err)
	}
	arrive(t, c)
	return c
}

func peerRSTCleared(t *testing.T) sock.Handle {
	if runtime.GOOS == "windows" {
		t.Skip("a reset leaves SO_ERROR at 0 on Windows as seen under Wine (recv and send report it): nothing to clear")
	}
	c := peerRST(t)
	if err := sock.Error(c); err == nil {
		t.Fatal("SO_ERROR after a reset: nil")
	}
	return c
}

func refusedTo(t *testing.T, n sock.Network) sock.Handle {
	t.Helper()
	// A port nobody listens on: one a listener had, closed.
	l, addr, err := sock.Listen(n)
	if err != nil {
		t.Fatal(err)
	}
	sock.Close(l)
	h, err := sock.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	closeLater(t, h)
	if err := sock.WaitWritable(h, eventTimeout); err != nil {
		t.Fatal(err)
	}
	return h
}

func refused(t *testing.T) sock.Handle  { return refusedTo(t, sock.TCP4) }
func refused6(t *testing.T) sock.Handle { return refusedTo(t, sock.TCP6) }

func refusedCleared(t *testing.T) sock.Handle {
	h := refused(t)
	if err := sock.Error(h); err == nil {
		t.Fatal("SO_ERROR after a refused connect: nil")
	}
	return h
}

func dialed(t *testing.T) sock.Handle {
	l, addr, err := sock.Listen(sock.TCP4)
	if err != nil {
		t.Fatal(err)
	}
	closeLater(t, l)
	h, err := sock.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	closeLater(t, h)
	if err := sock.WaitWritable(h, eventTimeout); err != nil {
		t.Fatal(err)
	}
	return h
}

func pendingListener(t *testing.T) sock.Handle {
	l, addr, err := sock.Listen(sock.TCP4)
	if err != nil {
		t.Fatal(err)
	}
	closeLater(t, l)
	h, err := sock.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	closeLater(t, h)
	arrive(t, l)
	return l
}

func idleListener(t *testing.T) sock.Handle {
	l, _, err := sock.Listen(sock.TCP4)
	if err != nil {
		t.Fatal(err)
	}
	closeLater(t, l)
	return l
}

func udpIdle(n sock.Network) func(t *testing.T) sock.Handle {
	return func(t *testing.T) sock.Handle {
		h, _ := udp(t, n)
		return h
	}
}

func udpDatagram(n sock.Network) func(t *testing.T) sock.Handle {
	return func(t *testing.T) sock.Handle {
		h, addr := udp(t, n)
		sendDatagram(t, n, addr)
		arrive(t, h)
		return h
	}
}

func sendDatagram(t *testing.T, n sock.Network, to netip.AddrPort) {
	t.Helper()
	from, _ := udp(t, n)
	if err := sock.SendTo(from, []byte("datagram"), to); err != nil {
		t.Fatal(err)
	}
}
