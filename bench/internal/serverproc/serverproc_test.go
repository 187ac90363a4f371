package serverproc

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"
)

// behaviourEnv, when set, makes the test binary act as a server: "ok"
// follows the protocol, "hang" never gets ready, "unsupported" exits 2,
// "stubborn" ignores quit, "crash" exits 1 on quit, "killed" is killed
// (SIGKILL, TerminateProcess) once it has printed "stopped" on quit, as
// Wine's server kills the process of a Windows program that has exited
// when its Unix teardown is slow, "killed-early" is killed on quit
// before it says "stopped".
const behaviourEnv = "SERVERPROC_TEST_SERVER"

func TestMain(m *testing.M) {
	if b := os.Getenv(behaviourEnv); b != "" {
		fakeServer(b)
	}
	os.Exit(m.Run())
}

func fakeServer(behaviour string) {
	switch behaviour {
	case "hang":
		time.Sleep(time.Hour)
	case "unsupported":
		fmt.Fprintln(os.Stderr, "not supported here")
		os.Exit(2)
	}
	fmt.Println("starting up")
	fmt.Println("ready 127.0.0.1:4242")
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		switch sc.Text() {
		case "stats":
			fmt.Println("stats rss=1000 heap=200 stack=30 sys=4000 handles=5 goroutines=6 conns=7 cpu=8")
		case "quit":
			if behaviour == "stubborn" {
				time.Sleep(time.Hour)
			}
			if behaviour == "crash" {
				fmt.Fprintln(os.Stderr, "boom")
				os.Exit(1)
			}
			if behaviour != "killed-early" {
				fmt.Println("stopped")
			}
			if strings.HasPrefix(behaviour, "killed") {
				p, _ := os.FindProcess(os.Getpid())
				p.Kill()
				time.Sleep(time.Hour)
			}
			os.Exit(0)
		}
	}
	os.Exit(0)
}

func command(behaviour string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), behaviourEnv+"="+behaviour)
	return cmd
}

func TestProtocol(t *testing.T) {
	s, err := Start(command("ok"), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if s.Addr != "127.0.0.1:4242" {
		t.Errorf("Addr = %q, want 127.0.0.1:4242", s.Addr)
	}
	st, err := s.Stats(5 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if st.RSS != 1000 || st.Heap != 200 || st.Stack != 30 || st.Handles != 5 || st.Conns != 7 || st.CPU != 8 {
		t.Errorf("Stats = %+v", st)
	}
	if err := s.Quit(5 * time.Second); err != nil {
		t.Errorf("Quit: %v", err)
	}
}

func TestNeverReady(t *testing.T) {
	start := time.Now()
	_, err := Start(command("hang"), 300*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "no answer") {
		t.Fatalf("Start of a server that never gets ready: err = %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Start took %v to give up", d)
	}
}

func TestUnsupported(t *testing.T) {
	if _, err := Start(command("unsupported"), 10*time.Second); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("err = %v, want ErrUnsupported", err)
	}
}

func TestQuitKillsStubbornServer(t *testing.T) {
	s, err := Start(command("stubborn"), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Quit(300 * time.Millisecond); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("Quit of a server ignoring quit: err = %v", err)
	}
}

func TestQuitReportsFailure(t *testing.T) {
	s, err := Start(command("crash"), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	err = s.Quit(5 * time.Second)
	if err == nil || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("Quit of a server exiting 1: err = %v, want its stderr in it", err)
	}
}

// TestQuitWineKilledAfterStop: under Wine, a server that said "stopped"
// and was then killed has quit cleanly. Wine 8 closes a process's socket
// to the wine server before its Unix exit (process_exit_wrapper), and
// the wine server kills, with SIGKILL, a process that is still there
// about half a second later (process_sigkill): on a loaded machine, a
// server that had exited with status 0 then showed as "signal: killed".
func TestQuitWineKilledAfterStop(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Wine runs on Unix: its kill is a signal, which Windows has not")
	}
	s, err := start(command("killed"), 10*time.Second, true)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Quit(5 * time.Second); err != nil {
		t.Errorf("Quit of a Wine server killed after it stopped: %v", err)
	}
}

// TestQuitKilled: a kill is a failure natively, even after "stopped",
// and under Wine before it.
func TestQuitKilled(t *testing.T) {
	for _, c := range []struct {
		behaviour string
		wine      bool
	}{{"killed", false}, {"killed-early", true}, {"killed-early", false}} {
		s, err := start(command(c.behaviour), 10*time.Second, c.wine)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Quit(5 * time.Second); err == nil {
			t.Errorf("%s (Wine %v): Quit succeeded, want an error", c.behaviour, c.wine)
		}
	}
}
