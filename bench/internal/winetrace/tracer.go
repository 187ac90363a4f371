// Package winetrace counts the requests that Windows programs make to
// the wine server. Under Wine every Windows system call is such a
// request, so requests per event are a cost of a Windows program that
// machine noise does not move, except for the requests that follow wall
// time rather than events (a Go program's threads parking, its timers).
//
// A Tracer replaces the wine server of a prefix by one that logs every
// request (wineserver -d1) to a file; the programs run meanwhile, with
// Env(prefix), talk to it. scripts/count-requests.sh is the same recipe
// in shell and gives the same counts. Run a program twice, for
// different numbers of events, and divide the difference in requests by
// the difference in events: start-up and shutdown cancel out.
//
// Wine runs on Linux only; so does this package's Tracer.
package winetrace

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// A Tracer is a wine server that logs every request to a file.
type Tracer struct {
	prefix string
	server *exec.Cmd
	exited chan struct{} // closed when the server has exited
	trace  string        // the log file
}

// Start stops the wine server of prefix (wineserver -k; a prefix
// without one is fine) and starts one in its place that logs every
// request: `wineserver -d1 -f -p 5`, with its standard input and output
// on /dev/null (a wine server holding a caller's pipe makes the caller
// wait forever) and its standard error, the log, on a temporary file.
// Start returns when the server takes connections; it stays up until
// Close, or 5 seconds after its last Windows process exited. Run the
// programs to be counted with Env(prefix) meanwhile.
func Start(ctx context.Context, prefix string) (*Tracer, error) {
	if err := stop(ctx, prefix); err != nil {
		return nil, fmt.Errorf("winetrace: stop the server of %s: %w", prefix, err)
	}
	f, err := os.CreateTemp("", "winetrace-*.txt")
	if err != nil {
		return nil, fmt.Errorf("winetrace: %w", err)
	}
	defer f.Close() // the server has its own copy
	t := &Tracer{prefix: prefix, exited: make(chan struct{}), trace: f.Name()}
	t.server = exec.Command("wineserver", "-d1", "-f", "-p", "5")
	t.server.Env = Env(prefix)
	t.server.Stderr = f // stdin and stdout: /dev/null
	if err := t.server.Start(); err != nil {
		os.Remove(t.trace)
		return nil, fmt.Errorf("winetrace: start wineserver: %w", err)
	}
	go func() {
		t.server.Wait()
		close(t.exited)
	}()
	if err := t.waitReady(ctx); err != nil {
		t.Close()
		return nil, fmt.Errorf("winetrace: %w", err)
	}
	return t, nil
}

// Env is the environment for the wine commands of prefix: the
// process's own, with WINEPREFIX set to prefix, Wine's debug messages
// off and the Mono and Gecko installers skipped.
func Env(prefix string) []string {
	return append(os.Environ(), "WINEPREFIX="+prefix, "WINEDEBUG=-all", "WINEDLLOVERRIDES=mscoree,mshtml=")
}

// Requests counts the requests logged so far; replies are not counted.
// Count them when the programs of interest have exited: the server logs
// each request as it handles it.
func (t *Tracer) Requests() (int64, error) {
	c, err := t.count()
	return c.Total, err
}

// ByName counts the requests logged so far by request name
// ("recv_socket", "remove_completion", ...).
func (t *Tracer) ByName() (map[string]int64, error) {
	c, err := t.count()
	return c.ByName, err
}

func (t *Tracer) count() (Counts, error) {
	f, err := os.Open(t.trace)
	if err != nil {
		return Counts{}, fmt.Errorf("winetrace: %w", err)
	}
	defer f.Close()
	c, err := Count(f)
	if err != nil {
		return Counts{}, fmt.Errorf("winetrace: read %s: %w", t.trace, err)
	}
	return c, nil
}

// Close stops the tracing server (wineserver -k, which also ends the
// prefix's Windows processes) and removes the log.
func (t *Tracer) Close() error {
	kill := exec.Command("wineserver", "-k")
	kill.Env = Env(t.prefix)
	kill.Run() // fails when the server has exited already
	select {
	case <-t.exited:
	case <-time.After(5 * time.Second):
		t.server.Process.Kill()
		<-t.exited
	}
	if err := os.Remove(t.trace); err != nil {
		return fmt.Errorf("winetrace: %w", err)
	}
	return nil
}

// waitReady waits until the server listens for connections: a wine
// process started before would start a server of its own, which does not
// log. The server makes its socket in a folder named server-DEV-INODE,
// which it makes its working directory.
func (t *Tracer) waitReady(ctx context.Context) error {
	cwd := filepath.Join("/proc", strconv.Itoa(t.server.Process.Pid), "cwd")
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	timeout := time.After(10 * time.Second)
	for {
		if dir, err := os.Readlink(cwd); err == nil && strings.HasPrefix(filepath.Base(dir), "server-") {
			if _, err := os.Stat(filepath.Join(cwd, "socket")); err == nil {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.exited:
			return fmt.Errorf("wineserver exited at start (%v); its log is in %s", t.server.ProcessState, t.trace)
		case <-timeout:
			return errors.New("wineserver did not take connections within 10s")
		case <-tick.C:
		}
	}
}

// stop stops the server of prefix and waits until it has exited.
func stop(ctx context.Context, prefix string) error {
	kill := exec.CommandContext(ctx, "wineserver", "-k")
	kill.Env = Env(prefix)
	kill.Run() // fails when no server runs
	wait := exec.CommandContext(ctx, "wineserver", "-w")
	wait.Env = Env(prefix)
	if err := wait.Run(); err != nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return nil
}
