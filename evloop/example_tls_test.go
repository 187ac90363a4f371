package evloop_test

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log"
	"math/big"
	"time"

	"github.com/goafd/afd/evloop"
)

// An echo server over TLS: the handler is the plaintext one, OnOpen
// comes after the handshake and tells what was negotiated, and a
// crypto/tls client talks to it. Shutdown ends the connection with
// close_notify.
func ExampleServer_ListenTLS() {
	cert, roots := selfSigned("echo.example")
	srv, err := evloop.NewServer(evloop.Config{TLSHandshakeTimeout: 5 * time.Second})
	if err != nil {
		log.Fatal(err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"echo"}}
	ln, err := srv.ListenTLS("tcp://127.0.0.1:0", cfg, evloop.Handler{
		OnOpen: func(c *evloop.Conn) {
			cs, _ := c.ConnectionState()
			fmt.Println("server:", tls.VersionName(cs.Version), cs.NegotiatedProtocol, cs.ServerName)
		},
		OnTraffic: func(c *evloop.Conn) {
			data, _ := c.Next(-1) // plaintext
			c.Write(data)         // encrypted on its way out
		},
		OnHandshakeError: func(c *evloop.Conn, err error) {
			log.Println("handshake with", c.RemoteAddr(), "failed:", err)
		},
	})
	if err != nil {
		log.Fatal(err)
	}

	conn, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{
		RootCAs: roots, ServerName: "echo.example", NextProtos: []string{"echo"},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Fprintf(conn, "hello, TLS\n")
	r := bufio.NewReader(conn)
	line, err := r.ReadString('\n')
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print("client: ", line)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- srv.Shutdown(ctx) }()
	_, err = r.ReadByte() // close_notify: io.EOF
	fmt.Println("client:", err)
	conn.Close()
	if err := <-done; err != nil {
		log.Fatal(err)
	}
	// Output:
	// server: TLS 1.3 echo echo.example
	// client: hello, TLS
	// client: EOF
}

// selfSigned makes a certificate for name and the pool that trusts it.
func selfSigned(name string) (tls.Certificate, *x509.CertPool) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		log.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		DNSNames:              []string{name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		log.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}
