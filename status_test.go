package afd_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/goafd/afd"
)

func TestStatus(t *testing.T) {
	tests := []struct {
		s       afd.Status
		name    string
		err     string
		isError bool
		timeout bool
	}{
		{afd.StatusSuccess, "STATUS_SUCCESS", "STATUS_SUCCESS (0x00000000)", false, false},
		{afd.StatusPending, "STATUS_PENDING", "STATUS_PENDING (0x00000103)", false, false},
		{afd.StatusTimeout, "STATUS_TIMEOUT", "STATUS_TIMEOUT (0x00000102)", false, true},
		{afd.StatusIOTimeout, "STATUS_IO_TIMEOUT", "STATUS_IO_TIMEOUT (0xC00000B5)", true, true},
		{afd.StatusCancelled, "STATUS_CANCELLED", "STATUS_CANCELLED (0xC0000120)", true, false},
		{afd.StatusConnectionRefused, "STATUS_CONNECTION_REFUSED", "STATUS_CONNECTION_REFUSED (0xC0000236)", true, false},
		{afd.StatusHandlesClosed, "STATUS_HANDLES_CLOSED", "STATUS_HANDLES_CLOSED (0x8000000A)", false, false},
		{afd.StatusNotFound, "STATUS_NOT_FOUND", "STATUS_NOT_FOUND (0xC0000225)", true, false},
		{0xC0001234, "", "NTSTATUS 0xC0001234", true, false},
		{0x40000001, "", "NTSTATUS 0x40000001", false, false},
	}
	for _, tt := range tests {
		if got := tt.s.Name(); got != tt.name {
			t.Errorf("%#x.Name() = %q, want %q", uint32(tt.s), got, tt.name)
		}
		if got := tt.s.Error(); got != tt.err {
			t.Errorf("%#x.Error() = %q, want %q", uint32(tt.s), got, tt.err)
		}
		if got := tt.s.IsError(); got != tt.isError {
			t.Errorf("%v.IsError() = %v, want %v", tt.s, got, tt.isError)
		}
		if got := tt.s.Timeout(); got != tt.timeout {
			t.Errorf("%v.Timeout() = %v, want %v", tt.s, got, tt.timeout)
		}
	}
}

func TestStatusIsAnError(t *testing.T) {
	err := fmt.Errorf("afd: poll: %w", afd.StatusCancelled)
	var st afd.Status
	if !errors.As(err, &st) || st != afd.StatusCancelled {
		t.Errorf("errors.As(%v) = %v, %v", err, st, afd.StatusCancelled)
	}
	if !errors.Is(err, afd.StatusCancelled) {
		t.Errorf("errors.Is(%v, StatusCancelled) = false", err)
	}
	if errors.Is(err, afd.StatusNotFound) {
		t.Errorf("errors.Is(%v, StatusNotFound) = true", err)
	}
}
