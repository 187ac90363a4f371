package sock

import "time"

// SetKeepAlive turns TCP keep-alive on, or off for d <= 0. OpenBSD has
// no per-socket timing: the system's (sysctl net.inet.tcp.keepidle)
// applies.
func SetKeepAlive(h Handle, d time.Duration) error { return setKeepAliveOn(h, d > 0) }
