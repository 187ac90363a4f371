package procmem

import (
	"errors"
	"os"
	"runtime"
	"testing"
)

// TestResident: the figure follows memory the process touches, and a
// process that does not exist is an error.
func TestResident(t *testing.T) {
	before, err := Resident(os.Getpid())
	if errors.Is(err, errors.ErrUnsupported) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	const size = 64 << 20
	b := make([]byte, size)
	for i := 0; i < len(b); i += 4096 {
		b[i] = 1
	}
	after, err := Resident(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	runtime.KeepAlive(b)
	if after-before < size/2 {
		t.Errorf("resident %d then %d bytes after touching %d: want at least half of it more", before, after, size)
	}
	if _, err := Resident(1 << 30); err == nil {
		t.Error("Resident of a process that does not exist: no error")
	}
}
