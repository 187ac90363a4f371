package tlssession_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"math/big"
	"net"
	"time"

	"github.com/goafd/afd/evloop/internal/tlssession"
)

// A loop that owns a server session: it feeds the session what the
// socket gives, runs Step when Notify says so, and writes what Send
// gets to the socket. Here the loop is a goroutine with a select, the
// socket one end of a net.Pipe, and the client crypto/tls.
func Example() {
	cert := selfSigned("example.test")
	sock, peer := net.Pipe()

	news := make(chan struct{}, 1)
	ciphertext := make(chan []byte)
	out := make(chan []byte, 64)
	go func() { // the socket's writer: a loop would write, and buffer the rest
		for p := range out {
			sock.Write(p)
		}
	}()
	go func() { // the socket's reads: a loop would poll
		for {
			buf := make([]byte, 4096)
			n, err := sock.Read(buf)
			if err != nil {
				close(ciphertext)
				return
			}
			ciphertext <- buf[:n]
		}
	}()

	s, err := tlssession.New(&tlssession.Config{TLS: &tls.Config{Certificates: []tls.Certificate{cert}}},
		tlssession.Server, tlssession.Options{
			Send: func(p []byte) error { out <- append([]byte(nil), p...); return nil },
			Notify: func() {
				select {
				case news <- struct{}{}:
				default:
				}
			},
		})
	if err != nil {
		fmt.Println(err)
		return
	}
	go func() { // the client
		pool := x509.NewCertPool()
		leaf, _ := x509.ParseCertificate(cert.Certificate[0])
		pool.AddCert(leaf)
		c := tls.Client(peer, &tls.Config{RootCAs: pool, ServerName: "example.test"})
		c.Write([]byte("hello"))
		reply := make([]byte, 5)
		io.ReadFull(c, reply)
		fmt.Printf("client read %q\n", reply)
		c.Close()
	}()

	pt := make([]byte, 64<<10) // a loop's shared buffer
	echo := func(ct []byte) bool {
		n, err := s.Feed(ct, pt)
		if n > 0 {
			fmt.Printf("server read %q\n", pt[:n])
			s.Write(pt[:n])
		}
		return err == nil
	}
	for {
		select {
		case <-news:
			opened, err := s.Step()
			if err != nil {
				fmt.Println(err)
				return
			}
			if opened {
				fmt.Println("handshake done:", tls.VersionName(s.ConnectionState().Version))
				echo(nil)
			}
		case ct, ok := <-ciphertext:
			if !ok || !echo(ct) {
				s.Close()
				close(out)
				return
			}
		}
	}
	// Output:
	// handshake done: TLS 1.3
	// server read "hello"
	// client read "hello"
}

func selfSigned(name string) tls.Certificate {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		DNSNames:              []string{name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}
