package harnesstest

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/goafd/afd/bench/internal/harness"
)

// httpConns is the number of keep-alive connections checkHTTP uses.
const httpConns = 4

// checkHTTP serves -mode http and sends it, with net/http's client on
// httpConns keep-alive connections at once, GET requests that must be
// answered with harness.Hello and POST requests, of bodies up to a few
// hundred KiB, that must be answered with their body; then it checks
// that the connections were kept alive (the server counts httpConns) and
// that the server sees them go.
func checkHTTP(t *testing.T) {
	s := Start(t, "-mode", "http", "-loops", "2")
	tr := &http.Transport{MaxConnsPerHost: httpConns, MaxIdleConnsPerHost: httpConns}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: timeout}
	url := "http://" + s.Addr + "/"
	var wg sync.WaitGroup
	errs := make(chan error, httpConns)
	for i := range httpConns {
		wg.Go(func() {
			for size := 0; size <= 256<<10; size = size*8 + 1 {
				if err := httpRoundTrip(client, url, message(i, size)); err != nil {
					errs <- fmt.Errorf("client %d, %d bytes: %w", i, size, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		return
	}
	st := s.Stats()
	checkStats(t, st)
	if st.Conns < 1 || st.Conns > httpConns {
		t.Errorf("server counts %d connections after the requests, want 1 to %d kept alive", st.Conns, httpConns)
	}
	tr.CloseIdleConnections()
	s.WaitConns(0)
	s.Quit(false)
}

// httpRoundTrip sends a GET, which must be answered 200 with
// harness.Hello, then a POST of body, which must be answered 200 with
// body.
func httpRoundTrip(client *http.Client, url string, body []byte) error {
	got, err := httpDo(client, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("GET: %w", err)
	}
	if string(got) != harness.Hello {
		return fmt.Errorf("GET: body %q, want %q", got, harness.Hello)
	}
	got, err = httpDo(client, http.MethodPost, url+"echo", body)
	if err != nil {
		return fmt.Errorf("POST: %w", err)
	}
	if !bytes.Equal(got, body) {
		return fmt.Errorf("POST: the body echoed differs (%d bytes, sent %d)", len(got), len(body))
	}
	return nil
}

// httpDo sends one request and returns the body of its 200 answer.
func httpDo(client *http.Client, method, url string, body []byte) ([]byte, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("status %s: %s", resp.Status, strings.TrimSpace(string(got)))
	}
	if resp.ContentLength != int64(len(got)) {
		return nil, fmt.Errorf("Content-Length %d, body of %d bytes", resp.ContentLength, len(got))
	}
	return got, nil
}
