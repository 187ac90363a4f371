package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/goafd/afd/internal/procmem"
)

// serveEnv, set in the environment of this test binary, makes it the
// server for TestNonReadingPeer: it runs run with the arguments in the
// variable's value, so that the server has a process (and a resident
// memory) of its own.
const serveEnv = "REDIS_EXAMPLE_SERVE"

func TestMain(m *testing.M) {
	if args, ok := os.LookupEnv(serveEnv); ok {
		if err := run(context.Background(), strings.Fields(args), os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "redis:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// startProcess runs the server in a process of its own (this test
// binary, see serveEnv) and returns its address and process id.
func startProcess(t *testing.T) (string, int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), serveEnv+"=-addr tcp://127.0.0.1:0 -loops 1")
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	lines := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		lines <- line
		io.Copy(io.Discard, out)
	}()
	select {
	case line := <-lines:
		addr, ok := strings.CutPrefix(strings.TrimSpace(line), "redis: listening on tcp://")
		if !ok {
			t.Fatalf("server printed %q", line)
		}
		return addr, cmd.Process.Pid
	case <-time.After(timeout):
		t.Fatal("the server printed no address")
		panic("unreachable")
	}
}

// TestNonReadingPeer: a client pipelines GETs of a 64 KiB value, without
// reading the replies, until the server stops taking them. The server's
// resident memory grows by at most 64 MiB (one read of requests asks for
// about 190 MiB of replies: the server answers only until its pending
// output is full). When the client reads at last, every reply comes,
// whole and in order.
func TestNonReadingPeer(t *testing.T) {
	const (
		valueSize = 64 << 10
		attack    = 128 << 10 // bytes of pipelined GETs
		maxGrowth = 64 << 20
	)
	if _, err := procmem.Resident(os.Getpid()); errors.Is(err, errors.ErrUnsupported) {
		t.Skip("no resident memory count on this system")
	}
	addr, pid := startProcess(t)
	c := dial(t, addr)
	c.c.SetDeadline(time.Now().Add(4 * timeout))
	value := bytes.Repeat([]byte("0123456789abcdef"), valueSize/16)
	if got := c.do(t, "SET", "k", string(value)); got != "+OK" {
		t.Fatalf("SET: %q", got)
	}
	get := encode("GET", "k")
	reqs := strings.Repeat(get, attack/len(get))
	n := attack / len(get)
	wantReply := fmt.Appendf(nil, "$%d\r\n%s\r\n", valueSize, value)

	// Warm up with a round of the same traffic, read as it comes: the
	// baseline then has the buffers of normal service.
	warm := 256
	if _, err := io.WriteString(c.c, strings.Repeat(get, warm)); err != nil {
		t.Fatal(err)
	}
	readReplies(t, c.r, warm, wantReply)
	base, err := procmem.Resident(pid)
	if err != nil {
		t.Fatal(err)
	}

	wrote := make(chan error, 1)
	go func() {
		_, err := io.WriteString(c.c, reqs)
		wrote <- err
	}()
	// The server stops taking requests once its output is full; its
	// memory then holds still. Take the peak until it has for a second.
	peak, stillSince := base, time.Now()
	deadline := time.Now().Add(timeout)
	for time.Since(stillSince) < time.Second {
		if time.Now().After(deadline) {
			t.Fatalf("the server's memory kept changing for %v (%d MiB now, from %d MiB)", timeout, peak>>20, base>>20)
		}
		time.Sleep(20 * time.Millisecond)
		rss, err := procmem.Resident(pid)
		if err != nil {
			t.Fatal(err)
		}
		if rss > peak+(1<<20) || rss < peak-(1<<20) {
			stillSince = time.Now()
		}
		peak = max(peak, rss)
	}
	t.Logf("resident memory %d MiB before, %d MiB at the peak, %d GETs of %d KiB pipelined", base>>20, peak>>20, n, valueSize>>10)
	if growth := peak - base; growth > maxGrowth {
		t.Errorf("the server's resident memory grew by %d MiB (to %d MiB), more than %d MiB", growth>>20, peak>>20, maxGrowth>>20)
	}
	readReplies(t, c.r, n, wantReply)
	if err := <-wrote; err != nil {
		t.Fatal(err)
	}
	if got := c.do(t, "PING"); got != "+PONG" {
		t.Errorf("PING after the attack: %q", got)
	}
}

// readReplies reads n replies from r, each of which must be want.
func readReplies(t *testing.T, r *bufio.Reader, n int, want []byte) {
	t.Helper()
	got := make([]byte, len(want))
	for i := range n {
		if _, err := io.ReadFull(r, got); err != nil {
			t.Fatalf("reply %d of %d: %v", i, n, err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("reply %d of %d is not the value: %.40q", i, n, got)
		}
	}
}
