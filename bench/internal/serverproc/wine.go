package serverproc

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"time"
)

// Wine runs Windows binaries under Wine in one prefix.
type Wine struct {
	// Prefix is the WINEPREFIX, prepared by scripts/setup.sh.
	Prefix string
}

// env returns the environment of Wine commands.
func (w Wine) env() []string {
	return append(os.Environ(),
		"WINEPREFIX="+w.Prefix,
		"WINEDEBUG=-all",
		"WINEDLLOVERRIDES=mscoree,mshtml=",
	)
}

// Command returns the command line that runs the Windows binary exe with
// args under Wine.
func (w Wine) Command(exe string, args ...string) *exec.Cmd {
	cmd := exec.Command("wine", append([]string{exe}, args...)...)
	cmd.Env = w.env()
	return cmd
}

// Start starts the Windows binary exe with args under Wine as a server
// (see the package's Start) and waits up to timeout for its ready line.
// Its Quit knows of the kill Wine may give a process that has exited.
func (w Wine) Start(timeout time.Duration, exe string, args ...string) (*Server, error) {
	return start(w.Command(exe, args...), timeout, true)
}

// Check reports whether the prefix is ready for Go binaries: Wine is
// installed and scripts/setup.sh has prepared the prefix.
func (w Wine) Check() error {
	if _, err := exec.LookPath("wine"); err != nil {
		return fmt.Errorf("wine: %w (run scripts/setup.sh)", err)
	}
	if _, err := os.Stat(w.Prefix + "/.goafd-ready"); err != nil {
		return fmt.Errorf("wine prefix %s is not set up (run scripts/setup.sh): %w", w.Prefix, err)
	}
	return nil
}

// StartServer starts the prefix's wineserver, persistent, and Wine's
// helper processes, all with their stdio detached: started by a server
// instead, they would inherit its pipes. It is a no-op when the
// wineserver is already running.
func (w Wine) StartServer() error {
	ws := exec.Command("wineserver", "-p")
	ws.Env = w.env()
	err := ws.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit) && exit.ExitCode() == 2:
		return nil // already running
	case err != nil:
		return fmt.Errorf("start wineserver in %s: %w", w.Prefix, err)
	}
	return w.Boot()
}

// Boot starts Wine's helper processes (services, explorer) for the
// running wineserver, with their stdio detached.
func (w Wine) Boot() error {
	boot := exec.Command("wine", "wineboot")
	boot.Env = w.env()
	if err := boot.Run(); err != nil {
		return fmt.Errorf("wineboot in %s: %w", w.Prefix, err)
	}
	return nil
}
