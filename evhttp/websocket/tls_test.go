package websocket

import (
	"context"
	"crypto/tls"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/goafd/afd/evhttp"
	"github.com/goafd/afd/evloop"
	"github.com/goafd/afd/internal/testpki"
)

// TestTLS: the Dialer's wss:// over evloop's DialTLS, against the
// Upgrader behind evhttp on evloop's ListenTLS: an echo of 1 MiB and a
// close; a certificate the client does not trust fails the dial.
func TestTLS(t *testing.T) {
	ca := testpki.NewCA(t, "websocket test CA")
	cert, pool := ca.Server(t, "127.0.0.1"), ca.Pool
	es, err := evloop.NewServer(evloop.Config{Loops: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer es.Close()
	u := &Upgrader{}
	hs := &evhttp.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.Upgrade(w, r, Handler{OnMessage: func(c *Conn, typ MessageType, data []byte) { c.WriteMessage(typ, data) }})
	})}
	defer hs.Close()
	ln, err := es.ListenTLS("tcp://127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}}, hs.EvloopHandler())
	if err != nil {
		t.Fatal(err)
	}
	url := "wss://" + ln.Addr().String() + "/"
	cl := dialClient(t, es, url, &Dialer{TLSConfig: &tls.Config{RootCAs: pool}})
	msg := []byte(strings.Repeat("tls!", 1<<18))
	cl.WriteMessage(BinaryMessage, msg)
	cl.expect(t, BinaryMessage, msg)
	cl.Close(CloseNormalClosure, "")
	if err := wait(t, cl.closed); !IsCloseError(err, CloseNormalClosure) {
		t.Fatalf("close: %v", err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	_, _, err = (&Dialer{}).Dial(ctx, es, url, Handler{})
	var verr *tls.CertificateVerificationError
	if !errors.As(err, &verr) {
		t.Fatalf("dial with an untrusted certificate: %v, want a *tls.CertificateVerificationError", err)
	}
}

// TestDialRefused: a server that answers the handshake with another
// status fails the Dial with ErrBadHandshake and the response.
func TestDialRefused(t *testing.T) {
	addr, es := echoServer(t, &Upgrader{}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	_, resp, err := (&Dialer{}).Dial(ctx, es, "ws://"+addr+"/elsewhere", Handler{})
	if !errors.Is(err, ErrBadHandshake) || resp == nil || resp.StatusCode != http.StatusNotFound {
		t.Fatalf("dial of a 404: %v, %v; want ErrBadHandshake and the 404", resp, err)
	}
}
