//go:build unix && !darwin && !openbsd

package sock

import "golang.org/x/sys/unix"

// keepIdle is the option of the idle time before the first keep-alive
// probe.
var keepIdle = struct {
	opt  int
	name string
}{unix.TCP_KEEPIDLE, "tcp_keepidle"}
