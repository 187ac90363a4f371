package harness

import (
	"bytes"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fake is a ServeFunc that serves nothing and records what it was asked.
type fake struct {
	cfg     Config
	stopped int
}

func (f *fake) serve(cfg Config) (*Server, error) {
	f.cfg = cfg
	return &Server{
		Addr:  &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 4242},
		Conns: func() int { return 7 },
		Stop:  func() error { f.stopped++; return nil },
	}, nil
}

func TestRunProtocol(t *testing.T) {
	for _, input := range []string{"stats\nquit\nstats\n", "stats\n"} { // quit, end of stdin
		var f fake
		var out, errs bytes.Buffer
		code := Run([]string{"-addr", "127.0.0.1:0", "-mode", "sink", "-loops", "3"},
			strings.NewReader(input), &out, &errs, f.serve)
		if code != 0 {
			t.Fatalf("input %q: exit status %d, stderr %q", input, code, errs.String())
		}
		if want := (Config{Addr: "127.0.0.1:0", Mode: Sink, Loops: 3}); f.cfg != want {
			t.Errorf("config %+v, want %+v", f.cfg, want)
		}
		if f.stopped != 1 {
			t.Errorf("input %q: stopped %d times, want once", input, f.stopped)
		}
		lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
		if len(lines) != 3 || lines[0] != "ready 127.0.0.1:4242" || lines[2] != "stopped" {
			t.Fatalf("input %q: output %q, want the ready line, one stats line and \"stopped\"", input, out.String())
		}
		st, err := ParseStats(lines[1])
		if err != nil {
			t.Fatal(err)
		}
		if st.Conns != 7 || st.Heap == 0 || st.Goroutines == 0 || st.CPU == 0 {
			t.Errorf("stats %+v: want conns=7, the runtime's figures and the CPU time used", st)
		}
	}
}

func TestRunDefaults(t *testing.T) {
	var f fake
	if code := Run(nil, strings.NewReader(""), io.Discard, io.Discard, f.serve); code != 0 {
		t.Fatalf("exit status %d", code)
	}
	if want := (Config{Addr: "127.0.0.1:0", Mode: Echo}); f.cfg != want {
		t.Errorf("config %+v, want %+v", f.cfg, want)
	}
}

func TestRunBadUsage(t *testing.T) {
	for _, args := range [][]string{{"-mode", "mirror"}, {"-loops", "-1"}, {"extra"}, {"-port", "1"}} {
		var f fake
		var errs bytes.Buffer
		if code := Run(args, strings.NewReader(""), io.Discard, &errs, f.serve); code != 2 {
			t.Errorf("%q: exit status %d, want 2", args, code)
		}
		if errs.Len() == 0 {
			t.Errorf("%q: nothing on stderr", args)
		}
	}
}

func TestRunFeatures(t *testing.T) {
	for _, tc := range []struct {
		args   []string
		offers []Feature
		want   Config // zero: refused with status 2
	}{
		{[]string{"-tls"}, nil, Config{}},
		{[]string{"-mode", "http"}, []Feature{TLS}, Config{}},
		{[]string{"-mode", "http", "-tls"}, []Feature{TLS, HTTPServer}, Config{}},
		{[]string{"-tls"}, []Feature{TLS}, Config{Addr: "127.0.0.1:0", Mode: Echo, TLS: true}},
		{[]string{"-mode", "sink", "-tls"}, []Feature{TLS}, Config{Addr: "127.0.0.1:0", Mode: Sink, TLS: true}},
		{[]string{"-mode", "http"}, []Feature{HTTPServer}, Config{Addr: "127.0.0.1:0", Mode: HTTP}},
		{[]string{"-mode", "ws"}, []Feature{TLS, HTTPServer}, Config{}},
		{[]string{"-mode", "ws", "-tls"}, []Feature{TLS, HTTPServer, WebSocket}, Config{}},
		{[]string{"-mode", "ws"}, []Feature{WebSocket}, Config{Addr: "127.0.0.1:0", Mode: WS}},
	} {
		var f fake
		var errs bytes.Buffer
		code := Run(tc.args, strings.NewReader(""), io.Discard, &errs, f.serve, tc.offers...)
		switch {
		case tc.want == (Config{}) && (code != 2 || errs.Len() == 0 || f.cfg != (Config{})):
			t.Errorf("%q offering %q: exit status %d, served %+v, stderr %q; want status 2, nothing served and a message",
				tc.args, tc.offers, code, f.cfg, errs.String())
		case tc.want != (Config{}) && (code != 0 || f.cfg != tc.want):
			t.Errorf("%q offering %q: exit status %d, config %+v, stderr %q; want 0 and %+v",
				tc.args, tc.offers, code, f.cfg, errs.String(), tc.want)
		}
	}
}

func TestRunServeError(t *testing.T) {
	var out, errs bytes.Buffer
	serve := func(Config) (*Server, error) { return nil, io.ErrUnexpectedEOF }
	if code := Run(nil, strings.NewReader(""), &out, &errs, serve); code != 1 {
		t.Errorf("exit status %d, want 1", code)
	}
	if out.Len() != 0 || !strings.Contains(errs.String(), io.ErrUnexpectedEOF.Error()) {
		t.Errorf("stdout %q, stderr %q: want no ready line and the error", out.String(), errs.String())
	}
}

func TestStatsRoundTrip(t *testing.T) {
	want := Stats{RSS: 1 << 30, Heap: 2, Stack: 3, Sys: 4, Handles: 5, Goroutines: 6, Conns: 10000, CPU: 123456789}
	got, err := ParseStats(want.String())
	if err != nil || got != want {
		t.Fatalf("ParseStats(%q) = %+v, %v; want %+v", want.String(), got, err, want)
	}
	for _, bad := range []string{
		"", "ready 1.2.3.4:5", "stats rss=1", "stats rss=x heap=2 stack=3 sys=4 handles=5 goroutines=6 conns=7",
		want.String() + " extra=1", strings.Replace(want.String(), "rss", "vss", 1),
	} {
		if _, err := ParseStats(bad); err == nil {
			t.Errorf("ParseStats(%q) succeeded", bad)
		}
	}
}

func TestReadStatsFromOS(t *testing.T) {
	st := ReadStats(0)
	if st.RSS < st.Heap || st.Heap == 0 || st.Handles == 0 {
		t.Errorf("%v: want the resident set above the heap, and open handles", st)
	}
}

// TestRunStopFails: a server whose Stop fails exits 1 with the error and
// does not say "stopped".
func TestRunStopFails(t *testing.T) {
	var out, errs bytes.Buffer
	serve := func(Config) (*Server, error) {
		return &Server{
			Addr:  &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 4242},
			Conns: func() int { return 0 },
			Stop:  func() error { return io.ErrClosedPipe },
		}, nil
	}
	if code := Run(nil, strings.NewReader("quit\n"), &out, &errs, serve); code != 1 {
		t.Errorf("exit status %d, want 1", code)
	}
	if strings.Contains(out.String(), "stopped") || !strings.Contains(errs.String(), io.ErrClosedPipe.Error()) {
		t.Errorf("stdout %q, stderr %q: want no \"stopped\" and the error", out.String(), errs.String())
	}
}

func TestRunCPUProfile(t *testing.T) {
	// os.CreateTemp, not t.TempDir, whose cleanup fails under Wine (the
	// removal of a file just closed fails there); the file is removed as
	// far as it can be.
	tmp, err := os.CreateTemp("", "harness-cpu-*.pprof")
	if err != nil {
		t.Fatal(err)
	}
	path := tmp.Name()
	tmp.Close()
	t.Cleanup(func() { os.Remove(path) })
	var f fake
	var errs bytes.Buffer
	if code := Run([]string{"-cpuprofile", path}, strings.NewReader("stats\n"), io.Discard, &errs, f.serve); code != 0 {
		t.Fatalf("exit status %d, stderr %q", code, errs.String())
	}
	if f.cfg.CPUProfile != path {
		t.Errorf("config %+v, want CPUProfile %q", f.cfg, path)
	}
	// A pprof profile is gzipped, and complete once Run returns.
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) < 2 || data[0] != 0x1f || data[1] != 0x8b {
		t.Errorf("profile of %d bytes does not start as gzip: % x", len(data), data[:min(len(data), 8)])
	}

	// A profile that cannot be written is an error, before serving.
	var g fake
	bad := filepath.Join("no-such-folder", "cpu.pprof")
	if code := Run([]string{"-cpuprofile", bad}, strings.NewReader(""), io.Discard, io.Discard, g.serve); code != 1 || g.cfg != (Config{}) {
		t.Errorf("-cpuprofile %s: exit status %d, served %+v; want 1 and nothing served", bad, code, g.cfg)
	}
}
