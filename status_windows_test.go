package afd_test

import (
	"errors"
	"fmt"
	"syscall"
	"testing"

	"golang.org/x/sys/windows"

	"github.com/goafd/afd"
)

func TestStatusIs(t *testing.T) {
	tests := []struct {
		s      afd.Status
		target syscall.Errno
		want   bool
	}{
		{afd.StatusCancelled, windows.ERROR_OPERATION_ABORTED, true},
		{afd.StatusConnectionRefused, windows.WSAECONNREFUSED, true},
		{afd.StatusConnectionRefused, windows.ERROR_CONNECTION_REFUSED, true},
		{afd.StatusConnectionReset, windows.WSAECONNRESET, true},
		{afd.StatusConnectionAborted, windows.WSAECONNABORTED, true},
		{afd.StatusInvalidHandle, windows.WSAENOTSOCK, true},
		{afd.StatusInvalidHandle, windows.ERROR_INVALID_HANDLE, true},
		{afd.StatusIOTimeout, windows.WSAETIMEDOUT, true},
		{afd.StatusNotFound, windows.ERROR_NOT_FOUND, true},
		{afd.StatusCancelled, windows.WSAECONNREFUSED, false},
		{afd.StatusConnectionRefused, windows.ERROR_OPERATION_ABORTED, false},
		// Success and pending are no errors, whatever they map to.
		{afd.StatusSuccess, windows.ERROR_SUCCESS, false},
		{afd.StatusPending, windows.ERROR_IO_PENDING, false},
	}
	for _, tt := range tests {
		err := fmt.Errorf("wrapped: %w", tt.s)
		if got := errors.Is(err, tt.target); got != tt.want {
			t.Errorf("errors.Is(%v, %v (%d)) = %v, want %v", tt.s, tt.target, uint32(tt.target), got, tt.want)
		}
	}
	if errors.Is(afd.StatusCancelled, errors.New("STATUS_CANCELLED (0xC0000120)")) {
		t.Error("a Status matches an unrelated error with the same text")
	}
}
