package micro

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/goafd/afd/bench/internal/winetrace"
)

// A platform is where the measurements run: natively, or as Windows
// binaries under Wine.
type platform struct {
	name string // result.Platform: "linux", "wine" or "windows"
	root string // the afd repository
	// env is the environment of go commands and of the programs: the
	// process's, with GOOS and GOARCH of the platform and, for Wine, the
	// go_windows_amd64_exec wrapper on PATH.
	env []string
	// prefix is the Wine prefix; empty natively.
	prefix string
	// wrapper is go_windows_amd64_exec, which runs a Windows binary under
	// Wine with the wine server detached from our pipes; empty natively.
	wrapper string
}

// newPlatform checks that the platform named name can run here.
func newPlatform(name, root, cache string) (*platform, error) {
	p := &platform{name: name, root: root}
	goos, goarch := name, runtime.GOARCH
	switch name {
	case "linux", "windows":
		if runtime.GOOS != name {
			return nil, fmt.Errorf("platform %s: this is %s", name, runtime.GOOS)
		}
	case "wine":
		if runtime.GOOS != "linux" {
			return nil, fmt.Errorf("platform wine: Wine runs on Linux, this is %s", runtime.GOOS)
		}
		goos, goarch = "windows", "amd64"
		if cache == "" {
			cache = os.Getenv("AFD_CACHE")
		}
		if cache == "" {
			home, err := os.UserHomeDir()
			if err != nil {
				return nil, fmt.Errorf("platform wine: %w", err)
			}
			cache = filepath.Join(home, ".cache", "goafd")
		}
		p.prefix = filepath.Join(cache, "wine")
		p.wrapper = filepath.Join(cache, "bin", "go_windows_amd64_exec")
		if _, err := os.Stat(filepath.Join(p.prefix, ".goafd-ready")); err != nil {
			return nil, fmt.Errorf("platform wine: the Wine prefix is not set up (run scripts/setup.sh): %w", err)
		}
		if _, err := os.Stat(p.wrapper); err != nil {
			return nil, fmt.Errorf("platform wine: run scripts/setup.sh: %w", err)
		}
		p.env = append(p.env, "AFD_CACHE="+cache,
			"PATH="+filepath.Dir(p.wrapper)+string(os.PathListSeparator)+os.Getenv("PATH"))
	default:
		return nil, fmt.Errorf("unknown platform %q (want linux, wine or windows)", name)
	}
	p.env = append(append(os.Environ(), "GOOS="+goos, "GOARCH="+goarch), p.env...)
	return p, nil
}

// wine reports whether the platform runs Windows binaries under Wine.
func (p *platform) wine() bool { return p.prefix != "" }

// build builds the main package pkg of the module in dir (relative to
// the repository) into folder out, and returns the binary's path.
func (p *platform) build(ctx context.Context, dir, pkg, out string) (string, error) {
	exe := filepath.Join(out, filepath.Base(pkg))
	if p.name != "linux" {
		exe += ".exe"
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-o", exe, pkg)
	cmd.Dir = filepath.Join(p.root, dir)
	cmd.Env = p.env
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build %s: %w: %s", pkg, err, bytes.TrimSpace(out))
	}
	return exe, nil
}

// command returns the command that runs exe with args: natively, through
// the wrapper under Wine, or, when traced, under the tracing server
// (which must be running).
func (p *platform) command(ctx context.Context, traced bool, exe string, args ...string) *exec.Cmd {
	switch {
	case !p.wine():
		return exec.CommandContext(ctx, exe, args...)
	case traced:
		cmd := exec.CommandContext(ctx, "wine", append([]string{exe}, args...)...)
		cmd.Env = winetrace.Env(p.prefix)
		return cmd
	default:
		cmd := exec.CommandContext(ctx, p.wrapper, append([]string{exe}, args...)...)
		cmd.Env = p.env
		return cmd
	}
}

// output runs cmd, at most limit, and returns what it wrote to its
// standard output and error; wine says that cmd runs a Windows program
// under Wine. The output goes through a file, not a pipe: Wine's helper
// processes, started by the first Windows program of a server, inherit
// the program's output and outlive it.
func output(cmd *exec.Cmd, limit time.Duration, wine bool) ([]byte, error) {
	f, err := os.CreateTemp("", "micro-out-*.txt")
	if err != nil {
		return nil, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	timer := time.AfterFunc(limit, func() { cmd.Process.Kill() })
	err = cmd.Wait()
	switch {
	case !timer.Stop():
		err = errors.Join(fmt.Errorf("killed after %v", limit), err)
	case wine && killed(cmd.ProcessState):
		// Wine's server kills a Windows program that has exited if its
		// Unix side is slow to follow (see serverproc's Server.Quit): the
		// output says whether the program finished.
		err = nil
	}
	out, rerr := os.ReadFile(f.Name())
	return out, errors.Join(err, rerr)
}

// stopWine stops the Wine prefix's server, and with it the helper
// processes that the runs left behind.
func (p *platform) stopWine() {
	if !p.wine() {
		return
	}
	cmd := exec.Command("wineserver", "-k")
	cmd.Env = winetrace.Env(p.prefix)
	cmd.Run() // fails when none runs
}

// lastLines returns the last n lines of out, for error messages.
func lastLines(out []byte, n int) string {
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "; ")
}
