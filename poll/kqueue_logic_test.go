package poll

// Tests of the kqueue backend's decisions (kqueue_logic.go), run on every
// platform. The kevents come from a model of each kernel's socket filters
// below, written from their sources, each function citing the one it
// follows; the expected Events are the readiness table of the package doc
// (readinessCases), which Linux epoll is measured against.

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// kos is a kernel whose kqueue the model follows.
type kos string

const (
	osXNU     kos = "darwin"
	osFreeBSD kos = "freebsd"
	osOpenBSD kos = "openbsd"
	osNetBSD  kos = "netbsd"
)

var kqKernels = []kos{osXNU, osFreeBSD, osOpenBSD, osNetBSD}

// kmodelTraits are the traits of each system; platform_bsd_test.go checks
// that the backend built for the system has the same.
var kmodelTraits = map[kos]ktraits{
	osXNU:     {except: true, exceptIsRead: true, receipt: true},
	osFreeBSD: {receipt: true},
	osOpenBSD: {except: true, receipt: true},
	osNetBSD:  {},
}

// ksock is the state of a socket as the filter functions read it.
type ksock struct {
	listen    bool   // SO_ACCEPTCONN
	conns     int    // completed connections to accept (so_qlen, so_comp)
	rcv       int    // bytes of data in the receive buffer (sb_cc - sb_ctl)
	oob       bool   // an out-of-band mark ahead or at hand (so_oobmark != 0 || SS_RCVATMARK)
	cantRcv   bool   // SS_CANTRCVMORE / SBS_CANTRCVMORE
	cantSend  bool   // SS_CANTSENDMORE / SBS_CANTSENDMORE
	soError   uint32 // so_error
	connected bool   // SS_ISCONNECTED, or a protocol without PR_CONNREQUIRED (UDP)
	sndSpace  int    // sbspace(&so_snd)
	dgram     bool   // SOCK_DGRAM
}

// Buffer sizes of the model: the defaults of the send and receive
// low-water marks (sb_lowat: 1 and MCLBYTES, soreserve) and a high-water
// mark.
const (
	modelRcvLowat = 1
	modelSndLowat = 2048
	modelHiwat    = 65536
)

// knote is a filter as installed: its sfflags (NOTE_OOB, NOTE_LOWAT) and
// sdata.
type knote struct {
	filter kfilter
	oob    bool  // NOTE_OOB in kn_sfflags (the except filter)
	lowat  bool  // NOTE_LOWAT in kn_sfflags
	sdata  int64 // kn_sdata
}

func knoteFor(f kfilter, m kmode) knote {
	n := knote{filter: f, oob: f == kExcept}
	if m == kSentinel {
		n.lowat, n.sdata = true, sentinelLowat
	}
	return n
}

// kfire runs the filter's event function of kernel os: whether it fires,
// and the kevent it gives.
func kfire(os kos, n knote, so ksock) (kev, bool) {
	k := kev{ident: 7, filter: n.filter}
	var ok bool
	switch os {
	case osXNU:
		if n.filter == kWrite {
			ok = kxnuWrite(&k, n, so)
		} else {
			ok = kxnuRead(&k, n, so) // soexcept_filtops runs filt_soread too
		}
	case osOpenBSD:
		switch n.filter {
		case kWrite:
			ok = kbsdWrite(&k, n, so)
		default:
			ok = kopenbsdRead(&k, n, so)
		}
	case osFreeBSD, osNetBSD:
		switch {
		case n.filter == kWrite:
			ok = kbsdWrite(&k, n, so)
		case n.filter == kRead && os == osNetBSD && so.listen:
			ok = so.conns > 0 // filt_solisten: connections only, no EV_EOF for so_error
		case n.filter == kRead:
			ok = kfreebsdRead(&k, n, so)
		}
	}
	return k, ok
}

// kxnuRead follows XNU bsd/kern/uipc_socket.c filt_soread_common.
func kxnuRead(k *kev, n knote, so ksock) bool {
	if so.listen {
		return so.conns > 0
	}
	if n.oob && so.oob {
		k.oob = true // kn_fflags |= NOTE_OOB
		return true
	}
	if so.cantRcv {
		k.eof, k.err = true, so.soError // kn_flags |= EV_EOF; kn_fflags = so_error
		return true
	}
	if so.soError != 0 {
		return true // "temporary udp error"
	}
	lowat := int64(modelRcvLowat)
	if n.lowat { // bounded by sb_hiwat
		if n.sdata > modelHiwat {
			lowat = modelHiwat
		} else if n.sdata > lowat {
			lowat = n.sdata
		}
	}
	return int64(so.rcv) >= lowat
}

// kxnuWrite follows XNU bsd/kern/uipc_socket.c filt_sowrite_common.
func kxnuWrite(k *kev, n knote, so ksock) bool {
	if so.cantSend {
		k.eof, k.err = true, so.soError
		return true
	}
	if so.soError != 0 {
		return true
	}
	if !so.connected || so.listen { // !socanwrite(so)
		return false
	}
	lowat := int64(modelSndLowat)
	if n.lowat { // bounded by sb_hiwat
		if n.sdata > modelHiwat {
			lowat = modelHiwat
		} else if n.sdata > lowat {
			lowat = n.sdata
		}
	}
	return so.sndSpace > 0 && int64(so.sndSpace) >= lowat
}

// kfreebsdRead follows FreeBSD sys/kern/uipc_socket.c filt_soread. NetBSD's
// filt_soread (sys/kern/uipc_socket.c) has the same 4.4BSD shape for
// sockets that are not listening: EV_EOF with so_error, so_error alone,
// NOTE_LOWAT as given; its listeners have filt_solisten, which fires for
// a connection to accept and nothing else (kfire).
func kfreebsdRead(k *kev, n knote, so ksock) bool {
	if so.listen {
		if so.soError != 0 {
			k.eof, k.err = true, so.soError
			return true
		}
		return so.conns > 0
	}
	if so.cantRcv {
		k.eof, k.err = true, so.soError
		return true
	}
	if so.soError != 0 {
		return true
	}
	if n.lowat {
		return int64(so.rcv) >= n.sdata
	}
	return so.rcv >= modelRcvLowat
}

// kopenbsdRead follows OpenBSD sys/kern/uipc_socket.c filt_soread, which
// soexcept_filtops runs too, and filt_solisten for listeners: given
// NOTE_OOB it looks at the out-of-band mark alone.
func kopenbsdRead(k *kev, n knote, so ksock) bool {
	if so.listen {
		return n.filter == kRead && so.conns != 0
	}
	switch {
	case n.oob:
		k.oob = so.oob
		return so.oob
	case so.cantRcv:
		k.eof, k.err = true, so.soError
		return true
	case so.soError != 0:
		return true
	case n.lowat:
		return int64(so.rcv) >= n.sdata
	}
	return so.rcv >= modelRcvLowat
}

// kbsdWrite follows filt_sowrite of FreeBSD, OpenBSD and NetBSD
// (sys/kern/uipc_socket.c): EV_EOF with so_error, so_error alone, nothing
// before a connection-oriented socket connects, NOTE_LOWAT as given.
func kbsdWrite(k *kev, n knote, so ksock) bool {
	if so.listen {
		return false // FreeBSD: SOLISTENING; the others: not connected
	}
	if so.cantSend {
		k.eof, k.err = true, so.soError
		return true
	}
	if so.soError != 0 {
		return true
	}
	if !so.connected {
		return false
	}
	if n.lowat {
		return int64(so.sndSpace) >= n.sdata
	}
	return so.sndSpace >= modelSndLowat
}

// The socket states of the readiness table, as the kernels hold them
// (set by soisdisconnected, socantrcvmore, socantsendmore).
var (
	stIdle      = ksock{connected: true, sndSpace: modelHiwat}
	stSendFull  = ksock{connected: true}
	stData      = ksock{connected: true, sndSpace: modelHiwat, rcv: 5}
	stOOB       = ksock{connected: true, sndSpace: modelHiwat, oob: true} // the byte is taken out of the stream (tcp_pulloutofband)
	stDataOOB   = ksock{connected: true, sndSpace: modelHiwat, rcv: 5, oob: true}
	stPeerFIN   = ksock{connected: true, sndSpace: modelHiwat, cantRcv: true}                 // socantrcvmore
	stOwnShut   = ksock{connected: true, sndSpace: modelHiwat, cantSend: true}                // socantsendmore
	stBothShut  = ksock{connected: true, sndSpace: modelHiwat, cantRcv: true, cantSend: true} // both
	stReset     = ksock{sndSpace: modelHiwat, cantRcv: true, cantSend: true, soError: 54}     // tcp_drop: so_error, soisdisconnected
	stResetRead = ksock{sndSpace: modelHiwat, cantRcv: true, cantSend: true}                  // SO_ERROR read: so_error = 0
	stRefused   = ksock{sndSpace: modelHiwat, cantRcv: true, cantSend: true, soError: 61}     // tcp_drop(ECONNREFUSED)
	stListener  = ksock{listen: true}
	stPending   = ksock{listen: true, conns: 1}                             //
	stUDP       = ksock{dgram: true, connected: true, sndSpace: modelHiwat} // no PR_CONNREQUIRED
	stDatagram  = ksock{dgram: true, connected: true, sndSpace: modelHiwat, rcv: 8}
	stRcvFull   = ksock{connected: true, sndSpace: modelHiwat, rcv: modelHiwat}                            // a peer filled the window
	stUDPError  = ksock{dgram: true, connected: true, sndSpace: modelHiwat, soError: 61}                   // an ICMP error on a connected UDP socket
	stListenErr = ksock{listen: true, soError: 53}                                                         // FreeBSD filt_soread: EV_EOF on a listener
	stFINData   = ksock{connected: true, sndSpace: modelHiwat, rcv: 5, cantRcv: true}                      // data, then the FIN                      //
	stShutData  = ksock{connected: true, sndSpace: modelHiwat, rcv: 5, cantSend: true}                     // data after this side shut down writing
	stClosing   = ksock{sndSpace: 0, cantRcv: true, cantSend: true, soError: 60, rcv: 3, connected: false} // a timeout
)

// kmodelStates maps the situations of readinessCases (by name prefix, the
// longest first) to the model.
var kmodelStates = []struct {
	prefix string
	so     ksock
}{
	{"connected idle", stIdle},
	{"send buffer full", stSendFull},
	{"data and oob", stDataOOB},
	{"data", stData},
	{"tcp6 data", stData},
	{"oob only", stOOB},
	{"peer FIN", stPeerFIN},
	{"own shutdown write", stOwnShut},
	{"both shut down", stBothShut},
	{"peer reset after SO_ERROR", stResetRead},
	{"peer reset", stReset},
	{"connect refused after SO_ERROR", stResetRead},
	{"connect refused", stRefused},
	{"tcp6 connect refused", stRefused},
	{"connect succeeded", stIdle},
	{"listener with a connection", stPending},
	{"listener idle", stListener},
	{"udp idle", stUDP},
	{"udp6 idle", stUDP},
	{"udp datagram", stDatagram},
	{"udp6 datagram", stDatagram},
}

func kmodelState(t *testing.T, name string) ksock {
	t.Helper()
	for _, m := range kmodelStates {
		if strings.HasPrefix(name, m.prefix) {
			return m.so
		}
	}
	t.Fatalf("no model of %q", name)
	return ksock{}
}

// kqueueDiffers: where a kqueue reports something else than Linux, and
// why; first and then are the first Wait and the ones after. The
// readiness test on those systems (readiness_test.go) holds them to it.
var kqueueDiffers = map[kos]map[string]struct {
	first, then Events
	why         string
}{
	osXNU: {
		"oob only":           {Pri | Out, Out, kxnuPriWhy},
		"oob only every bit": {Pri | Out | WrNorm, Out | WrNorm, kxnuPriWhy},
		"data and oob":       {In | Pri | Out, In | Out, kxnuPriWhy},
	},
	osFreeBSD: knoPri,
	osNetBSD:  knoPri,
}

const kxnuPriWhy = "Pri comes once per arrival on macOS: the except filter is installed with EV_CLEAR, as XNU keeps NOTE_OOB in a level-triggered knote's fflags for good (kern_event.c knote_fill_kevent_with_sdata)"

var knoPri = map[string]struct {
	first, then Events
	why         string
}{
	"oob only":           {Out, Out, "no kqueue filter for out-of-band data"},
	"oob only every bit": {Out | WrNorm, Out | WrNorm, "no kqueue filter for out-of-band data"},
	"data and oob":       {In | Out, In | Out, "no kqueue filter for out-of-band data"},
}

// ksim is a registration in a model kqueue: the knotes queued
// (level-triggered ones stay queued while they fire; EV_CLEAR ones leave
// the queue when delivered: FreeBSD kern_event.c kqueue_scan, XNU
// knote_process) and what the backend does with the scans.
type ksim struct {
	os     kos
	t      ktraits
	r      kreg
	queued [kFilters]bool
}

// newKsim registers ev as Add does; attaching evaluates each
// filter at once (kqueue(2): "the filter is executed upon the initial
// registration").
func newKsim(os kos, ev Events, so ksock) *ksim {
	s := &ksim{os: os, t: kmodelTraits[os]}
	s.r = kreg{ev: ev, dgram: so.dgram && ev&WrBand != 0}
	s.install(kplanFor(ev, s.r.dgram, 0, s.t), so)
	return s
}

// install applies the changes from the current plan to p.
func (s *ksim) install(p kplan, so ksock) {
	s.apply(kinstall(nil, 7, s.r.tag, s.r.plan, p, false), so)
	s.r.plan = p
}

// apply applies changes: a filter added is evaluated at once and queued
// if it fires; one deleted or disabled leaves the queue.
func (s *ksim) apply(changes []kchange, so ksock) {
	for _, c := range changes {
		switch c.op {
		case kAdd:
			_, s.queued[c.filter] = kfire(s.os, knoteFor(c.filter, c.mode), so)
		case kDelete, kDisable:
			s.queued[c.filter] = false
		}
	}
}

// scan is one Wait: the queued knotes still firing are delivered, and
// combined; the level-triggered ones are requeued. It returns the report
// and whether a level-triggered filter was delivered.
func (s *ksim) scan(so ksock) (ev Events, level bool) {
	var evs []kev
	for f := range kFilters {
		if !s.queued[f] {
			continue
		}
		k, ok := kfire(s.os, knoteFor(f, s.r.plan[f]), so)
		if !ok {
			s.queued[f] = false
			continue
		}
		evs = append(evs, k)
		if s.r.plan[f].clears() {
			s.queued[f] = false
		} else {
			level = true
		}
	}
	if len(evs) == 0 {
		return 0, false
	}
	var changes []kchange
	changes, ev = kscan(nil, 7, &s.r, evs, s.t)
	s.apply(changes, so)
	return ev, level
}

// TestKqueueReadinessModel: every row of the readiness table, on the
// model of each kernel, gives what Linux gives (or what kqueueDiffers
// says), on the first Wait and the next ones (level-triggered).
func TestKqueueReadinessModel(t *testing.T) {
	for _, os := range kqKernels {
		for _, tc := range readinessCases {
			t.Run(fmt.Sprintf("%s/%s", os, tc.name), func(t *testing.T) {
				so := kmodelState(t, tc.name)
				first, then := tc.want, tc.want
				if d, ok := kqueueDiffers[os][tc.name]; ok {
					first, then = d.first, d.then
				}
				s := newKsim(os, tc.interest, so)
				for i, want := range []Events{first, then, then} {
					if got, _ := s.scan(so); got != want {
						t.Fatalf("Wait %d: %v, want %v (plan %v)", i+1, got, want, s.r.plan)
					}
				}
			})
		}
	}
}

// kinterests are the interests the spin test tries: every subset of the
// bits a caller asks for.
func kinterests() []Events {
	bits := []Events{In, Pri, Out, RdNorm, WrNorm, WrBand, RdHup}
	var all []Events
	for m := range 1 << len(bits) {
		var ev Events
		for i, b := range bits {
			if m&(1<<i) != 0 {
				ev |= b
			}
		}
		all = append(all, ev)
	}
	return all
}

// TestKqueueNoSpin: no registration makes Wait go back to the kernel in a
// loop with nothing to report: once the first scans are over, whenever a
// level-triggered filter is delivered (it will be again on every Wait),
// the report is not empty.
func TestKqueueNoSpin(t *testing.T) {
	states := []ksock{stIdle, stSendFull, stData, stOOB, stDataOOB, stPeerFIN, stOwnShut,
		stBothShut, stReset, stResetRead, stRefused, stListener, stPending, stUDP, stDatagram,
		stRcvFull, stUDPError, stListenErr, stFINData, stShutData, stClosing}
	for _, os := range kqKernels {
		for i, so := range states {
			for _, ev := range kinterests() {
				s := newKsim(os, ev, so)
				for w := range 4 {
					got, level := s.scan(so)
					if w > 0 && level && got == 0 {
						t.Errorf("%s state %d %+v interest %v: Wait %d delivers a level-triggered filter with nothing to report (plan %v)",
							os, i, so, ev, w+1, s.r.plan)
						break
					}
				}
			}
		}
	}
}

// TestKqueueSpinsOfOldPlan: the filters the backend installed before,
// for RdHup alone (a level-triggered read filter) and WrBand alone on TCP
// (a level-triggered write filter), fire on data and on room, which the
// interest masks away: the loop TestKqueueNoSpin forbids. The model shows
// it, and the plan now installs sentinels there.
func TestKqueueSpinsOfOldPlan(t *testing.T) {
	for _, tc := range []struct {
		ev Events
		so ksock
		f  kfilter
	}{
		{RdHup, stData, kRead},
		{WrBand, stIdle, kWrite},
	} {
		for _, os := range kqKernels {
			k, ok := kfire(os, knoteFor(tc.f, kLevel), tc.so)
			r := kreg{ev: tc.ev}
			if !ok || kcombine(&r, []kev{k}) != 0 {
				t.Errorf("%s %v with a level %v filter: fires %v; the model no longer shows the spin", os, tc.ev, tc.f, ok)
			}
			if m := kplanFor(tc.ev, false, 0, kmodelTraits[os])[tc.f]; m != kSentinel {
				t.Errorf("%s %v: %v filter %v, want sentinel", os, tc.ev, tc.f, m)
			}
		}
	}
}

// TestKqueueCombine: kevents as the kqKernels' filters return them (each
// row cites where), combined for a registration.
func TestKqueueCombine(t *testing.T) {
	const econnreset = 54
	rd := func(eof bool, err uint32) kev { return kev{filter: kRead, eof: eof, err: err} }
	wr := func(eof bool, err uint32) kev { return kev{filter: kWrite, eof: eof, err: err} }
	for _, tc := range []struct {
		name   string
		source string
		r      kreg
		evs    []kev
		want   Events
		shut   kshut
	}{
		{"data", "filt_soread: sbavail >= sb_lowat", kreg{ev: In | RdHup}, []kev{rd(false, 0)}, In, 0},
		{"FIN", "filt_soread: SBS_CANTRCVMORE, EV_EOF, fflags = so_error = 0", kreg{ev: In | RdHup}, []kev{rd(true, 0)}, In | RdHup, kReadShut},
		{"FIN without RdHup", "filt_soread", kreg{ev: In}, []kev{rd(true, 0)}, In, kReadShut},
		{"reset", "tcp_drop: so_error; soisdisconnected: both EV_EOF", kreg{ev: In | Out | RdHup}, []kev{rd(true, econnreset), wr(true, econnreset)}, In | Out | RdHup | Err | Hup, kBothShut},
		{"reset, read filter alone", "filt_soread: EV_EOF with so_error (tcp_drop shut both)", kreg{ev: In}, []kev{rd(true, econnreset)}, In | Err | Hup, kBothShut},
		{"reset after SO_ERROR", "filt_soread, filt_sowrite: EV_EOF, so_error 0", kreg{ev: In | Out | RdHup}, []kev{rd(true, 0), wr(true, 0)}, In | Out | RdHup | Hup, kBothShut},
		{"reset after SO_ERROR, write side seen before", "shut directions are kept", kreg{ev: In, shut: kWriteShut}, []kev{rd(true, 0)}, In | Hup, kBothShut},
		{"own shutdown", "filt_sowrite: SBS_CANTSENDMORE", kreg{ev: In | Out | RdHup}, []kev{wr(true, 0)}, Out, kWriteShut},
		{"own shutdown, interest 0", "filt_sowrite (sentinel)", kreg{}, []kev{wr(true, 0)}, 0, kWriteShut},
		{"both shut, interest 0", "filt_soread after filt_sowrite", kreg{shut: kWriteShut}, []kev{rd(true, 0)}, Hup, kBothShut},
		{"udp writable", "filt_sowrite; datagram_poll sets EPOLLWRBAND", kreg{ev: Out | WrNorm | WrBand, dgram: true}, []kev{wr(false, 0)}, Out | WrNorm | WrBand, 0},
		{"tcp writable, WrBand asked", "tcp_poll never sets EPOLLWRBAND", kreg{ev: Out | WrBand}, []kev{wr(false, 0)}, Out, 0},
		{"oob", "XNU filt_soread_common: kn_fflags |= NOTE_OOB", kreg{ev: Pri}, []kev{{filter: kExcept, oob: true}}, Pri, 0},
		{"except for data", "XNU soexcept_filtops runs filt_soread: data, no NOTE_OOB", kreg{ev: Pri}, []kev{{filter: kExcept}}, 0, 0},
		{"except at end of stream", "XNU filt_soread_common: EV_EOF, kn_fflags = so_error", kreg{ev: Pri | RdHup}, []kev{{filter: kExcept, eof: true}}, RdHup, kReadShut},
		{"state bits with an edge", "tcp_poll reports every ready bit", kreg{ev: Edge | In | Out | RdHup, shut: kReadShut}, []kev{wr(false, 0)}, In | Out | RdHup, kReadShut},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.r
			if got := kcombine(&r, tc.evs); got != tc.want || r.shut != tc.shut {
				t.Errorf("%s: %v, shut %b; want %v, shut %b", tc.source, got, r.shut, tc.want, tc.shut)
			}
		})
	}
}

// TestKqueuePlan: the filters of an interest.
func TestKqueuePlan(t *testing.T) {
	xnu, fbsd, obsd := kmodelTraits[osXNU], kmodelTraits[osFreeBSD], kmodelTraits[osOpenBSD]
	for _, tc := range []struct {
		ev    Events
		dgram bool
		shut  kshut
		t     ktraits
		want  kplan
	}{
		{In | Out, false, 0, fbsd, kplan{kLevel, kLevel, kOff}},
		{In, false, 0, fbsd, kplan{kLevel, kSentinel, kOff}},
		{0, false, 0, fbsd, kplan{kSentinel, kSentinel, kOff}},
		{RdHup, false, 0, fbsd, kplan{kSentinel, kSentinel, kOff}},
		{RdHup, false, kReadShut, fbsd, kplan{kLevel, kSentinel, kOff}},
		{Edge | RdHup, false, kReadShut, fbsd, kplan{kSentinel, kSentinel, kOff}},
		{0, false, kReadShut, fbsd, kplan{kSentinel, kSentinel, kOff}},
		{0, false, kBothShut, fbsd, kplan{kLevel, kSentinel, kOff}},
		{WrBand, false, 0, fbsd, kplan{kSentinel, kSentinel, kOff}},
		{WrBand, true, 0, fbsd, kplan{kSentinel, kLevel, kOff}},
		{Pri, false, 0, fbsd, kplan{kSentinel, kSentinel, kOff}},
		{Pri, false, 0, obsd, kplan{kSentinel, kSentinel, kLevel}},
		{Pri, false, 0, xnu, kplan{kSentinel, kSentinel, kClear}},
		{In | Pri | Out, false, 0, xnu, kplan{kLevel, kLevel, kClear}},
		{Edge | In | Pri | Out, false, 0, obsd, kplan{kClear, kClear, kClear}},
	} {
		if got := kplanFor(tc.ev, tc.dgram, tc.shut, tc.t); got != tc.want {
			t.Errorf("kplanFor(%v, dgram %v, shut %b, %+v) = %v, want %v", tc.ev, tc.dgram, tc.shut, tc.t, got, tc.want)
		}
	}
}

// TestKqueueModifyChanges: a Modify is one batch: a probe, then only what
// changes, with EV_DELETE before EV_ADD where EV_CLEAR changes.
func TestKqueueModifyChanges(t *testing.T) {
	tr := kmodelTraits[osFreeBSD]
	c := func(f kfilter, op kop, m kmode) kchange { return kchange{ident: 7, filter: f, op: op, mode: m} }
	probe := func(op kop, m kmode) kchange { return kchange{ident: 7, filter: kRead, op: op, mode: m, probe: true} }
	for _, tc := range []struct {
		name     string
		from, to Events
		state    kstate
		want     []kchange
	}{
		{"same interest: re-evaluated", In | Out, In | Out, kArmed,
			[]kchange{probe(kEnable, kLevel), c(kRead, kAdd, kLevel), c(kWrite, kAdd, kLevel)}},
		{"one-shot that fired: probe disabled, re-enabled", Oneshot | In, Oneshot | In, kFired,
			[]kchange{probe(kDisable, kLevel), c(kRead, kAdd, kLevel), c(kWrite, kAdd, kSentinel)}},
		{"In to In|Out: sentinel becomes level", In, In | Out, kArmed,
			[]kchange{probe(kEnable, kLevel), c(kRead, kAdd, kLevel), c(kWrite, kDelete, kSentinel), c(kWrite, kAdd, kLevel)}},
		{"level to edge", In | Out, Edge | In | Out, kArmed,
			[]kchange{probe(kEnable, kLevel), c(kRead, kDelete, kLevel), c(kRead, kAdd, kClear), c(kWrite, kDelete, kLevel), c(kWrite, kAdd, kClear)}},
		{"edge to sentinel: fflags only", Edge | In, RdHup | Edge, kArmed,
			[]kchange{probe(kEnable, kClear), c(kRead, kAdd, kSentinel), c(kWrite, kAdd, kSentinel)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := kreg{ev: tc.from, state: tc.state, plan: kplanFor(tc.from, false, 0, tr)}
			got := kmodify(nil, 7, r, kplanFor(tc.to, false, 0, tr))
			if !slices.Equal(got, tc.want) {
				t.Errorf("changes\n got %v\nwant %v", got, tc.want)
			}
			if len(got) > applyChunkPortable {
				t.Errorf("%d changes: more than one kevent call", len(got))
			}
		})
	}
}

// applyChunkPortable is applyChunk of sys_kqueue.go, which is not built
// here: a Modify must fit one call.
const applyChunkPortable = 16

// TestKqueueOneshot: a one-shot that reports disables every filter it has,
// in one batch, and the next scans of the model deliver nothing.
func TestKqueueOneshot(t *testing.T) {
	r := kreg{ev: Oneshot | In | Out, plan: kplanFor(Oneshot|In|Out, false, 0, kmodelTraits[osXNU])}
	got := kdisable(nil, 7, 0, r.plan)
	want := []kchange{{ident: 7, filter: kRead, op: kDisable, mode: kLevel}, {ident: 7, filter: kWrite, op: kDisable, mode: kLevel}}
	if !slices.Equal(got, want) {
		t.Errorf("disable %v, want %v", got, want)
	}
	if d := kdelete(nil, 7, r.plan); len(d) != 2 || d[0].op != kDelete || d[0].filter != kRead {
		t.Errorf("delete %v", d)
	}
}

// TestKqueueStaleKevents: kevents that a scan took before their
// registration was replaced, by a Modify or by an Add of a new socket that
// got the number of a closed one, say nothing of the registration now in
// place: kscan neither reports them nor records what they say. Recorded,
// the end of stream of a reset socket would stay with the new socket for
// good (Err, Hup and RdHup in its reports), and its one-shot would be
// spent on it.
func TestKqueueStaleKevents(t *testing.T) {
	const oldTag, newTag = 1, 2
	const ev = Oneshot | In | Out | RdHup
	for _, os := range kqKernels {
		tr := kmodelTraits[os]
		r := kreg{key: 2, ev: ev, tag: newTag, plan: kplanFor(ev, false, 0, tr)}
		var stale []kev
		for _, f := range []kfilter{kRead, kWrite} {
			k, ok := kfire(os, knoteFor(f, kLevel), stReset) // the old socket, reset
			if !ok {
				t.Fatalf("%s: the %v filter of a reset socket does not fire", os, f)
			}
			k.tag = oldTag
			stale = append(stale, k)
		}
		changes, got := kscan(nil, 7, &r, stale, tr)
		if got != 0 || r.shut != 0 || r.state != kArmed || len(changes) != 0 {
			t.Errorf("%s: stale kevents %+v: report %v, shut %b, state %v, changes %v; want nothing",
				os, stale, got, r.shut, r.state, changes)
		}
		k, _ := kfire(os, knoteFor(kRead, kLevel), stData) // the new socket, with data
		k.tag = newTag
		if _, got := kscan(nil, 7, &r, []kev{k}, tr); got != In {
			t.Errorf("%s: the new socket's own kevent: %v, want In", os, got)
		}
	}
}

// kmodelKq is a kqueue as the kernels keep its knotes, for what changes
// do to a descriptor that was closed: a knote belongs to the open file of
// its descriptor and closing the descriptor drops it (kqueue(2);
// FreeBSD knote_fdclose, XNU knote_fdclose), and a change finds it by
// descriptor and filter (FreeBSD kqueue_register, XNU
// kq_find_knote_and_kq_lock): without EV_ADD, a missing one is ENOENT.
type kmodelKq struct {
	files  map[uintptr]int // descriptor: open file
	knotes map[kmodelKnote]kmode
}

type kmodelKnote struct {
	file   int
	filter kfilter
}

func newKmodelKq() *kmodelKq {
	return &kmodelKq{files: map[uintptr]int{}, knotes: map[kmodelKnote]kmode{}}
}

func (q *kmodelKq) apply(changes []kchange) []kres {
	res := make([]kres, len(changes))
	for i, c := range changes {
		file, open := q.files[c.ident]
		if !open {
			res[i] = kGone // EBADF
			continue
		}
		n := kmodelKnote{file, c.filter}
		_, has := q.knotes[n]
		switch {
		case c.op == kAdd:
			q.knotes[n] = c.mode
		case !has:
			res[i] = kGone // ENOENT
		case c.op == kDelete:
			delete(q.knotes, n)
		}
	}
	return res
}

// reopen closes fd, dropping its knotes, and opens file with its number.
func (q *kmodelKq) reopen(fd uintptr, file int) {
	for n := range q.knotes {
		if n.file == q.files[fd] {
			delete(q.knotes, n)
		}
	}
	q.files[fd] = file
}

// TestKqueueScanAfterClose: a scan reports the end of stream of a
// registration whose socket is closed, its number given to a new socket,
// before the report is processed. The changes the report calls for (a
// sentinel becoming level-triggered) must not add a filter for the new
// socket, which the caller has not added: Add of the new socket would then
// fail with ErrExist (its probe finds the filter), and its readiness
// would be reported with the old key. The registration is dropped, as
// its socket was closed.
func TestKqueueScanAfterClose(t *testing.T) {
	const fd, oldFile, newFile = 7, 1, 2
	for _, os := range kqKernels {
		tr := kmodelTraits[os]
		q := newKmodelKq()
		q.files[fd] = oldFile
		r := kreg{ev: RdHup, tag: 1}
		r.plan = kplanFor(r.ev, false, 0, tr)
		if res := q.apply(kinstall(nil, fd, r.tag, kplan{}, r.plan, false)); slices.Contains(res, kGone) {
			t.Fatalf("%s: add: %v", os, res)
		}
		k, ok := kfire(os, knoteFor(kRead, r.plan[kRead]), stPeerFIN) // taken by a scan
		if !ok {
			t.Fatalf("%s: a read sentinel does not fire for a FIN", os)
		}
		k.ident, k.tag = fd, r.tag
		q.reopen(fd, newFile)

		changes, ev := kscan(nil, fd, &r, []kev{k}, tr)
		if ev != RdHup {
			t.Errorf("%s: report %v, want %v", os, ev, RdHup)
		}
		gone := false
		undo := kundoGone(nil, changes, q.apply(changes), func(uintptr) { gone = true })
		q.apply(undo)
		for n, m := range q.knotes {
			if n.file == newFile {
				t.Errorf("%s: changes %v left a %v %v filter on the new socket", os, changes, m, n.filter)
			}
		}
		if !gone {
			t.Errorf("%s: changes %v: the registration of the closed socket is kept", os, changes)
		}
	}
}

// TestKqueueUndoGone: in a batch with the changes of several descriptors
// (a Wait's), only what was added for a descriptor whose probe found it
// closed is undone, and only that registration is given up.
func TestKqueueUndoGone(t *testing.T) {
	tr := kmodelTraits[osFreeBSD]
	armed := kreg{ev: RdHup, tag: 1, plan: kplanFor(RdHup, false, 0, tr)}
	fired := kreg{ev: Oneshot | In, tag: 1, plan: kplanFor(Oneshot|In, false, 0, tr)}
	var changes []kchange
	changes = kdisable(changes, 3, fired.tag, fired.plan)
	changes = append(changes, kprobe(7, armed))
	changes = kinstall(changes, 7, armed.tag, armed.plan, kplanFor(RdHup, false, kReadShut, tr), false)
	changes = kdisable(changes, 9, fired.tag, fired.plan)
	changes = append(changes, kprobe(11, armed))
	changes = kinstall(changes, 11, armed.tag, armed.plan, kplanFor(RdHup, false, kReadShut, tr), false)
	res := make([]kres, len(changes))
	for i, c := range changes {
		if c.ident == 7 && c.op != kAdd {
			res[i] = kGone // closed: the add went to the file that has the number now
		}
	}
	var gone []uintptr
	undo := kundoGone(nil, changes, res, func(fd uintptr) { gone = append(gone, fd) })
	want := []kchange{{ident: 7, filter: kRead, op: kDelete, mode: kLevel}}
	if !slices.Equal(undo, want) || !slices.Equal(gone, []uintptr{7}) {
		t.Errorf("changes %v, results %v: undo %v, gone %v; want %v, [7]", changes, res, undo, gone, want)
	}
}
