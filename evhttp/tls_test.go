package evhttp

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/goafd/afd/evloop"
	"github.com/goafd/afd/internal/testpki"
)

// testCert returns a server certificate for 127.0.0.1 and a pool that
// trusts it.
func testCert(t *testing.T) (tls.Certificate, *x509.CertPool) {
	ca := testpki.NewCA(t, "evhttp test CA")
	return ca.Server(t, "127.0.0.1"), ca.Pool
}

// TestListenAndServeTLS: ListenAndServeTLS serves HTTPS that net/http's
// client verifies, with ALPN http/1.1 and Request.TLS set (the same
// state for the requests of a connection), until Shutdown, and then
// returns http.ErrServerClosed; without a tls.Config it fails at once.
func TestListenAndServeTLS(t *testing.T) {
	cert, pool := testCert(t)
	var first *tls.ConnectionState
	s := &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS == nil {
			http.Error(w, "no Request.TLS", 500)
			return
		}
		if first == nil {
			first = r.TLS
		} else if r.TLS != first {
			http.Error(w, "another Request.TLS on the same connection", 500)
			return
		}
		fmt.Fprintf(w, "%s %x", r.TLS.NegotiatedProtocol, r.TLS.Version)
	})}
	ready := make(chan string, 1)
	done := make(chan error, 1)
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"http/1.1"}}
	go func() {
		done <- s.ListenAndServeTLS("tcp://127.0.0.1:0", cfg, func(ln *evloop.Listener) { ready <- ln.Addr().String() })
	}()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatal(err)
	}
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true}
	defer tr.CloseIdleConnections()
	cl := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	for range 2 {
		resp, err := cl.Get("https://" + addr + "/")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if want := fmt.Sprintf("http/1.1 %x", tls.VersionTLS13); resp.StatusCode != 200 || string(b) != want || resp.TLS == nil {
			t.Fatalf("%d %q (TLS %v), want 200 %q over TLS", resp.StatusCode, b, resp.TLS != nil, want)
		}
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, http.ErrServerClosed) {
		t.Fatalf("ListenAndServeTLS: %v", err)
	}
	if err := (&Server{Handler: hello}).ListenAndServeTLS("tcp://127.0.0.1:0", nil, nil); err == nil {
		t.Fatal("ListenAndServeTLS without a tls.Config: no error")
	}
}

// TestListenTLSPlainClient: a client that speaks plain HTTP to a TLS
// listener gets no HTTP answer and the server goes on serving HTTPS.
func TestListenTLSPlainClient(t *testing.T) {
	cert, pool := testCert(t)
	es, err := evloop.NewServer(evloop.Config{Loops: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer es.Close()
	s := &Server{Handler: hello}
	ln, err := s.ListenTLS(es, "tcp://127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	nc, err := net.DialTimeout("tcp", ln.Addr().String(), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(nc, "GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	if b, _ := io.ReadAll(nc); len(b) >= 4 && string(b[:4]) == "HTTP" {
		t.Fatalf("plain HTTP answered on a TLS listener: %q", b)
	}
	cl := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}, Timeout: 10 * time.Second}
	resp, err := cl.Get("https://" + ln.Addr().String() + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("HTTPS after a plain client: %d", resp.StatusCode)
	}
}
