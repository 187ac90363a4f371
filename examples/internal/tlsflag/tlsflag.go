// Package tlsflag gives the examples their TLS flags: -tls serves TLS,
// with the certificate of -cert and -key (PEM files), or without them a
// self-signed one made at start for localhost, 127.0.0.1 and ::1.
package tlsflag

import (
	"crypto/tls"
	"errors"
	"flag"

	"github.com/goafd/afd/internal/selfsigned"
)

// Flags are the TLS flags of a command.
type Flags struct {
	on        *bool
	cert, key *string
}

// Register adds -tls, -cert and -key to fs.
func Register(fs *flag.FlagSet) *Flags {
	return &Flags{
		on:   fs.Bool("tls", false, "serve TLS (with -cert and -key, or a self-signed certificate made at start)"),
		cert: fs.String("cert", "", "TLS certificate `file` (PEM, the chain), with -tls"),
		key:  fs.String("key", "", "TLS private key `file` (PEM), with -tls"),
	}
}

// Config returns the tls.Config of the flags, with protos for ALPN, or
// nil without -tls.
func (f *Flags) Config(protos ...string) (*tls.Config, error) {
	if !*f.on {
		if *f.cert != "" || *f.key != "" {
			return nil, errors.New("-cert and -key need -tls")
		}
		return nil, nil
	}
	var (
		cert tls.Certificate
		err  error
	)
	switch {
	case *f.cert != "" && *f.key != "":
		cert, err = tls.LoadX509KeyPair(*f.cert, *f.key)
	case *f.cert != "" || *f.key != "":
		err = errors.New("-cert and -key go together")
	default:
		cert, err = SelfSigned()
	}
	if err != nil {
		return nil, err
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: protos}, nil
}

// SelfSigned makes a certificate for localhost, 127.0.0.1 and ::1,
// signed by its own key, that a client can trust as its own root (see
// package internal/selfsigned).
func SelfSigned() (tls.Certificate, error) { return selfsigned.Certificate() }
