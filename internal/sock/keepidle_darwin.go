package sock

import "golang.org/x/sys/unix"

// keepIdle is the option of the idle time before the first keep-alive
// probe: macOS names it TCP_KEEPALIVE.
var keepIdle = struct {
	opt  int
	name string
}{unix.TCP_KEEPALIVE, "tcp_keepalive"}
