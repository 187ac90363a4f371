//go:build unix

package poll

import (
	"errors"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/goafd/afd/internal/sock"
	"github.com/goafd/afd/internal/testenv"
)

// errBadHandle is what registering a handle that is not open gives.
var errBadHandle error = unix.EBADF

// badHandle returns a descriptor that is not open: above any limit on
// open files.
func badHandle() uintptr { return 1 << 24 }

// underWine reports whether the tests run under Wine: never, on Unix.
var underWine = testenv.UnderWine

// TestHugeDescriptor: a handle value beyond the int32 of descriptors is
// refused, not truncated to another descriptor.
func TestHugeDescriptor(t *testing.T) {
	h, _ := udp(t, sock.UDP4)
	p := newPoller(t)
	big := uint64(1)<<32 | uint64(h)
	if uint64(uintptr(big)) != big {
		t.Skip("32-bit handles")
	}
	huge := uintptr(big)
	if err := p.Add(huge, 1, In); !errors.Is(err, unix.EBADF) {
		t.Fatalf("Add(%#x) = %v, want EBADF", huge, err)
	}
	add(t, p, h, 2, In) // h itself was not registered
}
