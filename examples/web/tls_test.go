package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/goafd/afd/evhttp/websocket"
	"github.com/goafd/afd/evloop"
	"github.com/goafd/afd/examples/internal/servertest"
	"github.com/goafd/afd/examples/internal/tlsflag"
)

// startTLS runs the command with -tls and args and returns its https://
// URL and a function that stops it.
func startTLS(t *testing.T, args ...string) (string, func() error) {
	t.Helper()
	args = append([]string{"-addr", "tcp://127.0.0.1:0", "-loops", "2", "-tls"}, args...)
	addrs, stop := servertest.StartN(t, "web", run, 1, args...)
	if len(addrs["https"]) != 1 {
		t.Fatalf("web -tls printed %v, want one https address", addrs)
	}
	return "https://" + addrs["https"][0].String(), stop
}

// certFiles writes a certificate for 127.0.0.1 and its key as PEM files
// and returns their paths and a pool that trusts the certificate.
func certFiles(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	cert, err := tlsflag.SelfSigned()
	if err != nil {
		t.Fatal(err)
	}
	key, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	// Not t.TempDir: its cleanup fails under Wine (see WINE.md).
	certFile = writeTemp(t, "cert-*.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}))
	keyFile = writeTemp(t, "key-*.pem", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: key}))
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AddCert(leaf)
	return certFile, keyFile, pool
}

// writeTemp writes data to a new temporary file, removed (if it can be)
// when the test ends, and returns its path.
func writeTemp(t *testing.T, pattern string, data []byte) string {
	t.Helper()
	f, err := os.CreateTemp("", pattern)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(f.Name()) })
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	return f.Name()
}

// checkRoutes gets / and echoes a body through /echo over HTTPS with
// clientCfg, and a message through /ws as wss://.
func checkRoutes(t *testing.T, url string, clientCfg *tls.Config) {
	t.Helper()
	httpCfg := clientCfg.Clone()
	httpCfg.NextProtos = []string{"h2", "http/1.1"} // the server picks http/1.1
	tr := &http.Transport{TLSClientConfig: httpCfg}
	defer tr.CloseIdleConnections()
	cl := &http.Client{Transport: tr, Timeout: servertest.Timeout}
	resp, err := cl.Get(url + "/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != "Hello, World!" || resp.TLS == nil || resp.TLS.NegotiatedProtocol != "http/1.1" {
		t.Fatalf("/: %d %q, TLS %v", resp.StatusCode, b, resp.TLS)
	}
	data := make([]byte, 300<<10)
	rand.Read(data)
	resp, err = cl.Post(url+"/echo", "application/octet-stream", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Equal(b, data) {
		t.Fatalf("/echo: %d bytes back of %d", len(b), len(data))
	}

	es, err := evloop.NewServer(evloop.Config{Loops: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer es.Close()
	msgs := make(chan string, 1)
	ctx, cancel := context.WithTimeout(context.Background(), servertest.Timeout)
	defer cancel()
	c, _, err := (&websocket.Dialer{TLSConfig: clientCfg}).Dial(ctx, es, "wss"+strings.TrimPrefix(url, "https")+"/ws", websocket.Handler{
		OnMessage: func(c *websocket.Conn, typ websocket.MessageType, data []byte) { msgs <- string(data) },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(websocket.CloseNormalClosure, "")
	c.WriteMessage(websocket.TextMessage, []byte("over wss"))
	select {
	case m := <-msgs:
		if m != "over wss" {
			t.Fatalf("wss echo %q", m)
		}
	case <-ctx.Done():
		t.Fatal("no wss echo")
	}
}

// TestTLSCertFiles: with -tls -cert -key, a client that trusts only that
// certificate gets /, /echo and /ws (wss://); a client that does not
// trust it fails the handshake.
func TestTLSCertFiles(t *testing.T) {
	certFile, keyFile, pool := certFiles(t)
	url, stop := startTLS(t, "-cert", certFile, "-key", keyFile)
	checkRoutes(t, url, &tls.Config{RootCAs: pool})
	cl := &http.Client{Transport: &http.Transport{}, Timeout: servertest.Timeout}
	_, err := cl.Get(url + "/")
	var verr *tls.CertificateVerificationError
	if !errors.As(err, &verr) {
		t.Fatalf("GET with the system roots: %v, want a certificate verification error", err)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

// TestTLSSelfSigned: with -tls alone the server presents a self-signed
// certificate valid for 127.0.0.1, which a client that trusts it (learnt
// from the handshake) verifies, and serves the routes with it.
func TestTLSSelfSigned(t *testing.T) {
	url, stop := startTLS(t)
	verify := func(cs tls.ConnectionState) error {
		if len(cs.PeerCertificates) != 1 {
			return errors.New("not one certificate")
		}
		pool := x509.NewCertPool()
		pool.AddCert(cs.PeerCertificates[0])
		_, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{Roots: pool, DNSName: "127.0.0.1"})
		return err
	}
	checkRoutes(t, url, &tls.Config{InsecureSkipVerify: true, VerifyConnection: verify})
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

// TestTLSFlags: -cert without -key, and -cert without -tls, are errors.
func TestTLSFlags(t *testing.T) {
	for _, args := range [][]string{{"-tls", "-cert", "x.pem"}, {"-cert", "x.pem", "-key", "y.pem"}} {
		if err := run(context.Background(), append([]string{"-addr", "tcp://127.0.0.1:0"}, args...), io.Discard); err == nil {
			t.Fatalf("%q: no error", args)
		}
	}
}
