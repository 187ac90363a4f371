package park

import "time"

// An Option changes how New sets up a Watcher.
type Option func(*options)

// options are the settings the Options of New make.
type options struct {
	checkInterval time.Duration
}

// defaultCheckInterval is how often, without CheckInterval, the Watcher
// looks for parked connections that were closed.
const defaultCheckInterval = time.Second

// CheckInterval sets how often the Watcher looks for parked connections
// that were closed without Stop, to call their callbacks with an error
// matching net.ErrClosed (see the package documentation, "Closing a
// parked connection"). Each look costs one SyscallConn Control call per
// parked connection. d must be positive; the default is one second.
func CheckInterval(d time.Duration) Option {
	return func(o *options) { o.checkInterval = d }
}
