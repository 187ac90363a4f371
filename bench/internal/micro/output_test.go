package micro

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"
)

// programEnv, when set, makes the test binary act as a measured program
// that prints its report and is then killed (SIGKILL, TerminateProcess),
// as Wine's server kills the process of a Windows program that has
// exited when its Unix teardown is slow (see serverproc's Quit).
const programEnv = "MICRO_TEST_PROGRAM"

func TestMain(m *testing.M) {
	if os.Getenv(programEnv) != "" {
		fmt.Println(`{"events":10}`)
		p, _ := os.FindProcess(os.Getpid())
		p.Kill()
		time.Sleep(time.Hour)
	}
	os.Exit(m.Run())
}

func killedProgram() *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), programEnv+"=1")
	return cmd
}

// TestOutputWineKilled: under Wine, a program killed after it wrote its
// report has its output taken, for the parser to judge; natively the
// kill is an error.
func TestOutputWineKilled(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Wine runs on Unix: its kill is a signal, which Windows has not")
	}
	out, err := output(killedProgram(), time.Minute, true)
	if err != nil || !strings.Contains(string(out), `{"events":10}`) {
		t.Errorf("under Wine: output %q, err %v; want the report and no error", out, err)
	}
	if _, err := output(killedProgram(), time.Minute, false); err == nil {
		t.Error("natively: no error for a killed program")
	}
}
