// Package serverproc starts a benchmark server as a child process and
// drives it through the protocol of package harness: it waits for the
// ready line, asks for stats, and stops it with quit, killing its process
// group if it does not answer in time, so that a stuck contender becomes
// an error and never a hang.
package serverproc

import (
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"time"

	"github.com/goafd/afd/bench/internal/harness"
)

// ErrUnsupported is returned by Start when the server exits with
// harness.ExitUnsupported: its contender does not run on this system (or
// it was started with flags it does not know, which exits the same).
var ErrUnsupported = errors.New("server exited with status 2: its contender does not run on this system")

// stderrTail is how much of a server's stderr is kept for error messages.
const stderrTail = 4 << 10

// waitDelay bounds how long Wait waits for the server's stdio to close
// once it has exited: under Wine, helper processes may hold them open.
const waitDelay = 2 * time.Second

// A Server is a running benchmark server.
type Server struct {
	// Addr is the address from its ready line.
	Addr string

	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout *lineQueue    // closed once cmd.Wait has returned
	exited chan struct{} // closed once cmd.Wait has returned
	err    error         // cmd.Wait's error, set before exited is closed
	stderr *tailBuffer
	wine   bool // a Windows program under Wine
}

// Start starts cmd, a server command line (Wine.Start for Windows
// binaries under Wine), and waits up to timeout for its ready line.
func Start(cmd *exec.Cmd, timeout time.Duration) (*Server, error) {
	return start(cmd, timeout, false)
}

// start is Start; wine says that cmd runs a Windows program under Wine.
func start(cmd *exec.Cmd, timeout time.Duration, wine bool) (*Server, error) {
	s := &Server{
		wine:   wine,
		cmd:    cmd,
		stdout: newLineQueue(),
		exited: make(chan struct{}),
		stderr: &tailBuffer{max: stderrTail},
	}
	ownGroup(cmd)
	cmd.Stdout = s.stdout
	cmd.Stderr = s.stderr
	cmd.WaitDelay = waitDelay
	var err error
	if s.stdin, err = cmd.StdinPipe(); err != nil {
		return nil, fmt.Errorf("start %s: %w", cmd.Path, err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", cmd.Path, err)
	}
	go func() {
		s.err = cmd.Wait()
		s.stdout.close()
		close(s.exited)
	}()

	line, err := s.readLine("ready", timeout)
	if err != nil {
		s.Kill()
		if code := cmd.ProcessState.ExitCode(); code == harness.ExitUnsupported {
			return nil, fmt.Errorf("%w%s", ErrUnsupported, s.stderrNote())
		}
		return nil, err
	}
	s.Addr = strings.TrimPrefix(line, "ready ")
	return s, nil
}

// readLine waits up to timeout for the next stdout line that starts with
// word, skipping others.
func (s *Server) readLine(word string, timeout time.Duration) (string, error) {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		line, ok, closed := s.stdout.take()
		switch {
		case ok:
			if strings.HasPrefix(line, word+" ") {
				return line, nil
			}
			continue
		case closed:
			<-s.exited
			return "", fmt.Errorf("waiting for %q: server exited (%v)%s", word, s.err, s.stderrNote())
		}
		select {
		case <-s.stdout.more:
		case <-timer.C:
			return "", fmt.Errorf("waiting for %q: no answer in %v%s", word, timeout, s.stderrNote())
		}
	}
}

// Stats asks the server for its stats and waits up to timeout for them.
func (s *Server) Stats(timeout time.Duration) (harness.Stats, error) {
	if _, err := io.WriteString(s.stdin, "stats\n"); err != nil {
		return harness.Stats{}, fmt.Errorf("stats: %w%s", err, s.stderrNote())
	}
	line, err := s.readLine("stats", timeout)
	if err != nil {
		return harness.Stats{}, fmt.Errorf("stats: %w", err)
	}
	return harness.ParseStats(line)
}

// Quit sends quit and waits up to timeout for the server to exit. A
// server that does not exit in time is killed; that, and an exit status
// other than 0, are errors, but for a Windows program under Wine that
// was killed after it said "stopped": Wine 8 closes a process's socket to
// the wine server before the Unix side of its exit (process_exit_wrapper
// in ntdll), and the wine server kills with SIGKILL a process that is
// still there about half a second later (process_sigkill: probes at
// 1/64 s, doubling, then the kill), though its Windows exit status was 0.
// A loaded machine is enough for that.
func (s *Server) Quit(timeout time.Duration) error {
	io.WriteString(s.stdin, "quit\n")
	s.stdin.Close()
	select {
	case <-s.exited:
	case <-time.After(timeout):
		s.Kill()
		return fmt.Errorf("quit: server still running after %v, killed%s", timeout, s.stderrNote())
	}
	if s.err == nil || s.wine && killed(s.cmd.ProcessState) && s.saidStopped() {
		return nil
	}
	return fmt.Errorf("quit: %w%s", s.err, s.stderrNote())
}

// saidStopped reports whether the server printed "stopped", once it has
// exited.
func (s *Server) saidStopped() bool {
	for {
		line, ok, _ := s.stdout.take()
		if !ok {
			return false
		}
		if line == "stopped" {
			return true
		}
	}
}

// Kill kills the server's process group and waits for the server to be
// reaped. It is safe to call after the server has exited.
func (s *Server) Kill() {
	select {
	case <-s.exited:
	default:
		killGroup(s.cmd)
		<-s.exited
	}
}

// Stderr returns the last bytes the server wrote to stderr.
func (s *Server) Stderr() string { return s.stderr.String() }

// stderrNote formats the tail of stderr for an error message.
func (s *Server) stderrNote() string {
	text := strings.TrimSpace(s.stderr.String())
	if text == "" {
		return ""
	}
	return "; stderr: " + text
}
