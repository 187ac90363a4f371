package tlsflag

import (
	"crypto/x509"
	"flag"
	"path/filepath"
	"testing"
)

// TestSelfSigned: the certificate made at start verifies, against
// itself as the root, for localhost, 127.0.0.1 and ::1.
func TestSelfSigned(t *testing.T) {
	cert, err := SelfSigned()
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(leaf)
	for _, name := range []string{"localhost", "127.0.0.1", "::1"} {
		if _, err := leaf.Verify(x509.VerifyOptions{DNSName: name, Roots: roots}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestFlags: no -tls, no config; -tls alone, a self-signed certificate;
// -cert without -key, or either without -tls, an error; a missing file,
// an error.
func TestFlags(t *testing.T) {
	missing := filepath.Join("no-such-folder", "missing.pem") // not t.TempDir: under Wine its removal fails
	for _, tc := range []struct {
		args    []string
		tls, ok bool
	}{
		{nil, false, true},
		{[]string{"-tls"}, true, true},
		{[]string{"-tls", "-cert", missing}, false, false},
		{[]string{"-cert", missing, "-key", missing}, false, false},
		{[]string{"-tls", "-cert", missing, "-key", missing}, false, false},
	} {
		fs := flag.NewFlagSet("x", flag.ContinueOnError)
		f := Register(fs)
		if err := fs.Parse(tc.args); err != nil {
			t.Fatal(err)
		}
		cfg, err := f.Config("p")
		if (err == nil) != tc.ok || (cfg != nil) != tc.tls {
			t.Errorf("%q: config %v, error %v", tc.args, cfg != nil, err)
		}
		if cfg != nil && (len(cfg.Certificates) != 1 || cfg.NextProtos[0] != "p") {
			t.Errorf("%q: %+v", tc.args, cfg)
		}
	}
}
