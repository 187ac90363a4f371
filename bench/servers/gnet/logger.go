//go:build linux || windows

package main

import (
	"fmt"
	"os"
)

// stderrLogger is gnet's logger for this server: gnet's default logs to
// stdout, which is the harness's protocol channel. It keeps warnings and
// errors, on stderr, and drops the debug and info messages.
type stderrLogger struct{}

func (stderrLogger) Debugf(string, ...any) {}
func (stderrLogger) Infof(string, ...any)  {}

func (stderrLogger) Warnf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "gnet: warning: "+format+"\n", args...)
}

func (stderrLogger) Errorf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "gnet: error: "+format+"\n", args...)
}

func (stderrLogger) Fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "gnet: fatal: "+format+"\n", args...)
	os.Exit(1)
}
