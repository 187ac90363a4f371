package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"time"

	"github.com/goafd/afd/bench/internal/serverproc"
)

// A platform is where servers run: natively, or as Windows binaries
// under Wine.
type platform struct {
	// Name is "linux", "windows", "darwin", ... (native) or "wine".
	Name string
	// GOOS and GOARCH are what the servers are built for.
	GOOS, GOARCH string
	// Wine runs the servers when not nil.
	Wine *serverproc.Wine
	// Pin runs native servers on CPU 1 (see -pin).
	Pin bool
}

// newPlatform returns the platform called name: the host's GOOS, or
// "wine" on Linux, with the Wine prefix of cache (prepared by
// scripts/setup.sh).
func newPlatform(name, cache string) (*platform, error) {
	switch {
	case name == runtime.GOOS:
		return &platform{Name: name, GOOS: runtime.GOOS, GOARCH: runtime.GOARCH}, nil
	case name == "wine" && runtime.GOOS == "linux":
		w := &serverproc.Wine{Prefix: filepath.Join(cache, "wine")}
		if err := w.Check(); err != nil {
			return nil, fmt.Errorf("platform wine: %w", err)
		}
		return &platform{Name: name, GOOS: "windows", GOARCH: "amd64", Wine: w}, nil
	case name == "wine":
		return nil, fmt.Errorf("platform wine: runs on linux only, this is %s", runtime.GOOS)
	default:
		return nil, fmt.Errorf("platform %s: this machine runs %s", name, defaultPlatforms())
	}
}

// defaultPlatforms is what the host can run: natively, and under Wine on
// Linux.
func defaultPlatforms() string {
	if runtime.GOOS == "linux" {
		return "linux,wine"
	}
	return runtime.GOOS
}

// defaultCache is the folder scripts/setup.sh prepares: $AFD_CACHE, or
// ~/.cache/goafd.
func defaultCache() string {
	if c := os.Getenv("AFD_CACHE"); c != "" {
		return c
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(os.TempDir(), "goafd")
	}
	return filepath.Join(home, ".cache", "goafd")
}

// startServer starts the server binary bin with args on p and waits up
// to timeout for its ready line.
func (p *platform) startServer(timeout time.Duration, bin string, args ...string) (*serverproc.Server, error) {
	if p.Wine != nil {
		return p.Wine.Start(timeout, bin, args...)
	}
	cmd := exec.Command(bin, args...)
	if p.Pin {
		cmd = pinServer(cmd)
	}
	return serverproc.Start(cmd, timeout)
}

// startupSeconds estimates how long a server takes to start on p, for
// the progress estimate.
func (p *platform) startupSeconds() float64 {
	if p.Wine != nil {
		return 1
	}
	return 0.1
}
