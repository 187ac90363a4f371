package main

import (
	"bytes"
	"crypto/rand"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/goafd/afd/examples/internal/servertest"
)

// start runs the command in this process on a free loopback port and
// returns its URL and a function that stops it and returns run's error.
func start(t *testing.T) (string, func() error) {
	t.Helper()
	addrs, stop := servertest.StartN(t, "web", run, 1, "-addr", "tcp://127.0.0.1:0", "-loops", "2")
	if len(addrs["http"]) != 1 {
		t.Fatalf("web printed %v, want one http address", addrs)
	}
	return "http://" + addrs["http"][0].String(), stop
}

// TestRoutes: / says hello, /echo echoes a body (of known length, and
// chunked), another path is 404; the server then shuts down cleanly.
func TestRoutes(t *testing.T) {
	url, stop := start(t)
	cl := &http.Client{Timeout: servertest.Timeout}
	get := func(path string) (int, string) {
		resp, err := cl.Get(url + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/"); code != 200 || body != "Hello, World!" {
		t.Fatalf("/: %d %q", code, body)
	}
	if code, _ := get("/ws"); code != 404 {
		t.Fatalf("/ws: %d, want 404", code)
	}
	data := make([]byte, 200<<10)
	rand.Read(data)
	for _, r := range []io.Reader{bytes.NewReader(data), io.MultiReader(strings.NewReader(""), bytes.NewReader(data))} {
		resp, err := cl.Post(url+"/echo", "application/octet-stream", r)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !bytes.Equal(b, data) {
			t.Fatalf("/echo: %d bytes back of %d", len(b), len(data))
		}
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}
