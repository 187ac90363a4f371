package afd_test

import (
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"

	"github.com/goafd/afd"
)

// TestLayout pins the structures the driver reads and writes to the
// layout of AFD_POLL_INFO and AFD_POLL_HANDLE_INFO: the driver knows
// nothing of Go.
func TestLayout(t *testing.T) {
	type field struct {
		name        string
		off, size   uintptr
		wantOff, sz uintptr
	}
	var pi afd.PollInfo
	fields := []field{
		{"PollInfo", 0, unsafe.Sizeof(pi), 0, 16},
		{"PollInfo.Timeout", unsafe.Offsetof(pi.Timeout), unsafe.Sizeof(pi.Timeout), 0, 8},
		{"PollInfo.NumberOfHandles", unsafe.Offsetof(pi.NumberOfHandles), unsafe.Sizeof(pi.NumberOfHandles), 8, 4},
		{"PollInfo.Exclusive", unsafe.Offsetof(pi.Exclusive), unsafe.Sizeof(pi.Exclusive), 12, 4},
	}
	var h afd.PollHandleInfo
	// HANDLE is pointer-sized: 8 bytes on windows/amd64 and arm64, 4 on 386.
	if unsafe.Sizeof(uintptr(0)) == 8 {
		fields = append(fields,
			field{"PollHandleInfo", 0, unsafe.Sizeof(h), 0, 16},
			field{"PollHandleInfo.Handle", unsafe.Offsetof(h.Handle), unsafe.Sizeof(h.Handle), 0, 8},
			field{"PollHandleInfo.Events", unsafe.Offsetof(h.Events), unsafe.Sizeof(h.Events), 8, 4},
			field{"PollHandleInfo.Status", unsafe.Offsetof(h.Status), unsafe.Sizeof(h.Status), 12, 4},
		)
	} else {
		fields = append(fields,
			field{"PollHandleInfo", 0, unsafe.Sizeof(h), 0, 12},
			field{"PollHandleInfo.Handle", unsafe.Offsetof(h.Handle), unsafe.Sizeof(h.Handle), 0, 4},
			field{"PollHandleInfo.Events", unsafe.Offsetof(h.Events), unsafe.Sizeof(h.Events), 4, 4},
			field{"PollHandleInfo.Status", unsafe.Offsetof(h.Status), unsafe.Sizeof(h.Status), 8, 4},
		)
	}
	for _, f := range fields {
		if f.off != f.wantOff || f.size != f.sz {
			t.Errorf("%s at %d, %d bytes; want at %d, %d bytes", f.name, f.off, f.size, f.wantOff, f.sz)
		}
	}
}

// TestRequestBuffer checks that the entries of a Request follow its
// AFD_POLL_INFO at offset 16, contiguously, with room for as many as asked.
func TestRequestBuffer(t *testing.T) {
	for n := 1; n <= 67; n++ {
		r := afd.NewRequest(n)
		if r.Cap() < n || r.Len() != n {
			t.Fatalf("NewRequest(%d): Cap %d, Len %d", n, r.Cap(), r.Len())
		}
		need := 16 + n*int(unsafe.Sizeof(afd.PollHandleInfo{}))
		if r.BufSize() < need {
			t.Fatalf("NewRequest(%d): %d-byte buffer, need %d", n, r.BufSize(), need)
		}
		for i := range n {
			r.Set(i, windows.Handle(100+i), afd.Receive)
		}
		hs := r.Handles()
		base := uintptr(unsafe.Pointer(r.Info()))
		if off := uintptr(unsafe.Pointer(&hs[0])) - base; off != 16 {
			t.Fatalf("NewRequest(%d): entries at offset %d, want 16", n, off)
		}
		if off := uintptr(unsafe.Pointer(&hs[n-1])) - base; off != 16+uintptr(n-1)*unsafe.Sizeof(hs[0]) {
			t.Fatalf("NewRequest(%d): last entry at offset %d", n, off)
		}
		for i, h := range hs {
			if h.Handle != windows.Handle(100+i) || h.Events != afd.Receive {
				t.Fatalf("NewRequest(%d): entry %d = %+v", n, i, h)
			}
		}
	}
}

func TestRequestDefaults(t *testing.T) {
	r := afd.NewRequest(2)
	if info := r.Info(); info.Timeout != 1<<63-1 || info.Exclusive != 0 {
		t.Errorf("new request: %+v, want Timeout math.MaxInt64, Exclusive 0", *info)
	}
	r.SetTimeout(1500 * time.Millisecond)
	if got := r.Info().Timeout; got != -15_000_000 {
		t.Errorf("SetTimeout(1.5s): Timeout %d, want -15000000 (relative, 100 ns units)", got)
	}
	r.SetTimeout(-1)
	if got := r.Info().Timeout; got != 1<<63-1 {
		t.Errorf("SetTimeout(-1): Timeout %d, want never", got)
	}
	r.SetExclusive(true)
	if r.Info().Exclusive != 1 {
		t.Error("SetExclusive(true) did not set Exclusive")
	}
	r.SetLen(1)
	if r.Len() != 1 || len(r.Handles()) != 1 || r.Cap() != 2 {
		t.Errorf("SetLen(1): Len %d, %d handles, Cap %d", r.Len(), len(r.Handles()), r.Cap())
	}
	if r.Status() != afd.StatusSuccess || r.Pending() || len(r.Ready()) != 0 {
		t.Errorf("unsubmitted request: status %v, pending %v, ready %v", r.Status(), r.Pending(), r.Ready())
	}
	for _, bad := range []func(){
		func() { afd.NewRequest(0) },
		func() { r.SetLen(3) },
		func() { r.SetLen(-1) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			bad()
		}()
	}
	if afd.RequestOf(nil) != nil {
		t.Error("RequestOf(nil) != nil")
	}
}
