package main

import (
	"bytes"
	"io"
	"net"
	"strings"
	"testing"

	"github.com/goafd/afd/internal/testenv"
)

// echoServer serves TCP and UDP echo with Go's net on loopback, turning
// every byte at offset corrupt (if not negative) of a TCP connection's
// stream, and of every datagram, into its complement. It returns the TCP
// and UDP addresses; udp is empty under Wine, whose Go net has no UDP.
func echoServer(t *testing.T, corrupt int) (tcp, udp string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				buf := make([]byte, 32<<10)
				for off := 0; ; {
					n, err := c.Read(buf)
					if err != nil {
						return
					}
					if i := corrupt - off; i >= 0 && i < n {
						buf[i] = ^buf[i]
					}
					off += n
					if _, err := c.Write(buf[:n]); err != nil {
						return
					}
				}
			}()
		}
	}()
	if testenv.UnderWine() {
		return ln.Addr().String(), ""
	}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 64<<10)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			if corrupt >= 0 && corrupt < n {
				buf[corrupt] = ^buf[corrupt]
			}
			pc.WriteTo(buf[:n], from)
		}
	}()
	return ln.Addr().String(), pc.LocalAddr().String()
}

// TestClient: against a faithful echo the client succeeds and reports
// what it checked.
func TestClient(t *testing.T) {
	tcp, udp := echoServer(t, -1)
	var out bytes.Buffer
	if err := run([]string{"-tcp", "tcp://" + tcp, "-udp", udp, "-conns", "3", "-rounds", "1"}, &out); err != nil {
		t.Fatal(err)
	}
	want := []string{"echo client: tcp " + tcp + ": 3 sockets, 24 messages, "}
	if udp != "" {
		want = append(want, "echo client: udp "+udp+": 3 sockets, 18 messages, ")
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != len(want) {
		t.Fatalf("output:\n%s", out.String())
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %q, want it to start with %q", lines[i], w)
		}
	}
}

// TestClientMismatch: one wrong byte, in the middle of a large TCP
// message or in a datagram, fails the run.
func TestClientMismatch(t *testing.T) {
	tcp, udp := echoServer(t, 5000)
	err := run([]string{"-tcp", tcp, "-udp", "", "-conns", "2"}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "differs from byte") {
		t.Errorf("TCP with a wrong byte: %v", err)
	}
	if udp == "" {
		return // no Go net UDP under Wine
	}
	tcp, udp = echoServer(t, 3)
	err = run([]string{"-tcp", "", "-udp", udp, "-conns", "2"}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "differs from byte 3") {
		t.Errorf("UDP with a wrong byte: %v", err)
	}
}

// TestClientTimeout: a server that never answers fails the run within
// -timeout.
func TestClientTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close() // held open, never answered
		}
	}()
	err = run([]string{"-tcp", ln.Addr().String(), "-udp", "", "-conns", "1", "-timeout", "300ms"}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "timeout") {
		t.Errorf("silent server: %v", err)
	}
}
