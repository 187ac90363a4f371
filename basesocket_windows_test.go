package afd_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/sys/windows"

	"github.com/goafd/afd"
)

// layers fakes the Winsock ioctls of a stack of providers: for each socket
// and ioctl code, the handle returned, or an error.
type layers map[windows.Handle]map[uint32]any

// ioctl returns a fake ioctl over ls that records its calls.
func (ls layers) ioctl(calls *[]string) afd.IoctlHandle {
	return func(s windows.Handle, code uint32) (windows.Handle, error) {
		*calls = append(*calls, fmt.Sprintf("%s(%d)", codeName(code), s))
		if len(*calls) > 1000 {
			panic("runaway BaseSocket")
		}
		switch v := ls[s][code].(type) {
		case windows.Handle:
			return v, nil
		case error:
			return windows.InvalidHandle, v
		}
		return windows.InvalidHandle, windows.WSAEINVAL
	}
}

func codeName(code uint32) string {
	switch code {
	case afd.SioBaseHandle:
		return "BASE"
	case afd.SioBSPHandleSelect:
		return "SELECT"
	case afd.SioBSPHandlePoll:
		return "POLL"
	case afd.SioBSPHandle:
		return "BSP"
	}
	return fmt.Sprintf("%#x", code)
}

func TestBaseSocketFallback(t *testing.T) {
	lsp := errors.New("LSP refuses SIO_BASE_HANDLE")
	tests := []struct {
		name    string
		layers  layers
		want    windows.Handle // 0: an error is expected
		wantErr error          // errors.Is target, if any
		calls   string
	}{
		{
			name:   "SIO_BASE_HANDLE answers",
			layers: layers{10: {afd.SioBaseHandle: windows.Handle(20)}},
			want:   20,
			calls:  "BASE(10)",
		},
		{
			name: "an LSP refuses it: SIO_BSP_HANDLE_POLL gives the next layer, whose SIO_BASE_HANDLE answers",
			layers: layers{
				10: {afd.SioBaseHandle: lsp, afd.SioBSPHandlePoll: windows.Handle(11)},
				11: {afd.SioBaseHandle: windows.Handle(20)},
			},
			want:  20,
			calls: "BASE(10) SELECT(10) POLL(10) BASE(11)",
		},
		{
			name: "SIO_BSP_HANDLE_SELECT is asked first",
			layers: layers{
				10: {afd.SioBaseHandle: lsp, afd.SioBSPHandleSelect: windows.Handle(11), afd.SioBSPHandlePoll: windows.Handle(12)},
				11: {afd.SioBaseHandle: windows.Handle(20)},
			},
			want:  20,
			calls: "BASE(10) SELECT(10) BASE(11)",
		},
		{
			name: "two layers of LSPs",
			layers: layers{
				10: {afd.SioBaseHandle: lsp, afd.SioBSPHandle: windows.Handle(11)},
				11: {afd.SioBaseHandle: lsp, afd.SioBSPHandleSelect: windows.Handle(12)},
				12: {afd.SioBaseHandle: windows.Handle(20)},
			},
			want:  20,
			calls: "BASE(10) SELECT(10) POLL(10) BSP(10) BASE(11) SELECT(11) BASE(12)",
		},
		{
			name:    "WSAENOTSOCK stops at once",
			layers:  layers{10: {afd.SioBaseHandle: windows.WSAENOTSOCK, afd.SioBSPHandlePoll: windows.Handle(11)}},
			wantErr: windows.WSAENOTSOCK,
			calls:   "BASE(10)",
		},
		{
			name:    "everything fails: the SIO_BASE_HANDLE error",
			layers:  layers{10: {afd.SioBaseHandle: windows.WSAEOPNOTSUPP}},
			wantErr: windows.WSAEOPNOTSUPP,
			calls:   "BASE(10) SELECT(10) POLL(10) BSP(10)",
		},
		{
			name: "a provider that answers with its own socket is no next layer",
			layers: layers{10: {
				afd.SioBaseHandle:      lsp,
				afd.SioBSPHandleSelect: windows.Handle(10),
				afd.SioBSPHandlePoll:   windows.Handle(10),
				afd.SioBSPHandle:       windows.Handle(10),
			}},
			wantErr: lsp,
			calls:   "BASE(10) SELECT(10) POLL(10) BSP(10)",
		},
		{
			name: "an INVALID_SOCKET answer is no next layer",
			layers: layers{
				10: {afd.SioBaseHandle: lsp, afd.SioBSPHandleSelect: windows.InvalidHandle, afd.SioBSPHandlePoll: windows.Handle(11)},
				11: {afd.SioBaseHandle: windows.Handle(20)},
			},
			want:  20,
			calls: "BASE(10) SELECT(10) POLL(10) BASE(11)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls []string
			got, err := afd.BaseSocketWith(10, tt.layers.ioctl(&calls))
			if c := strings.Join(calls, " "); c != tt.calls {
				t.Errorf("calls %s, want %s", c, tt.calls)
			}
			if tt.want != 0 {
				if err != nil || got != tt.want {
					t.Fatalf("got %d, %v; want %d", got, err, tt.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("got %d, want an error", got)
			}
			if got != windows.InvalidHandle {
				t.Errorf("handle %d with the error, want INVALID_SOCKET", got)
			}
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("error %v does not match %v", err, tt.wantErr)
			}
			t.Log(err)
		})
	}
}

// TestBaseSocketLoop checks that providers pointing at each other in a
// circle cannot make BaseSocket loop forever.
func TestBaseSocketLoop(t *testing.T) {
	lsp := errors.New("LSP refuses SIO_BASE_HANDLE")
	ls := layers{
		10: {afd.SioBaseHandle: lsp, afd.SioBSPHandlePoll: windows.Handle(11)},
		11: {afd.SioBaseHandle: lsp, afd.SioBSPHandlePoll: windows.Handle(10)},
	}
	var calls []string
	got, err := afd.BaseSocketWith(10, ls.ioctl(&calls))
	if err == nil {
		t.Fatalf("got %d, want an error", got)
	}
	if !strings.Contains(err.Error(), "provider layers") {
		t.Errorf("error %q does not say why", err)
	}
	if max := afd.MaxProviderLayers * 4; len(calls) > max {
		t.Errorf("%d ioctls, want at most %d", len(calls), max)
	}
	t.Log(err)
}
