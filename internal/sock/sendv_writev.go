//go:build linux || darwin || openbsd

package sock

import "golang.org/x/sys/unix"

// MaxSendv is the most buffers one Sendv sends: the rest wait for the
// next call. It is below IOV_MAX on every system.
const MaxSendv = 64

// Sendv is Send of several buffers in one system call (writev): it
// returns how many bytes, over the buffers in order, the socket took.
// The error is the system's own, unwrapped, as for Send.
func Sendv(h Handle, bufs [][]byte) (int, error) {
	if len(bufs) > MaxSendv {
		bufs = bufs[:MaxSendv]
	}
	n, err := unix.Writev(int(h), bufs)
	if err != nil {
		return 0, err
	}
	return n, nil
}
