//go:build unix && !linux && !darwin && !openbsd

package sock

// MaxSendv is the most buffers one Sendv sends: the rest wait for the
// next call.
const MaxSendv = 64

// Sendv is Send of several buffers: one system call each here, where
// golang.org/x/sys/unix has no writev. It returns how many bytes, over
// the buffers in order, the socket took, stopping at the first it did
// not take whole. The error is the system's own, unwrapped, as for Send.
func Sendv(h Handle, bufs [][]byte) (int, error) {
	if len(bufs) > MaxSendv {
		bufs = bufs[:MaxSendv]
	}
	total := 0
	for _, b := range bufs {
		n, err := Send(h, b)
		if err != nil {
			if total > 0 {
				return total, nil
			}
			return 0, err
		}
		total += n
		if n < len(b) {
			break
		}
	}
	return total, nil
}
