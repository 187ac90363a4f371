package tlssession

import (
	"bufio"
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"strings"
	"testing"
)

// TestKeyUpdate: a TLS 1.3 KeyUpdate that asks for an answer makes
// crypto/tls write one from inside Read. The session, fed the request,
// sends the answer through Send and switches keys: what it writes next
// reaches the peer under the new keys. crypto/tls never sends KeyUpdate
// itself, so the test forges the client's with the client's traffic
// secret (from KeyLogWriter).
func TestKeyUpdate(t *testing.T) {
	p := newPKI(t)
	srvCfg, cliCfg := p.configs(tls.VersionTLS13)
	var keylog bytes.Buffer
	cliCfg.KeyLogWriter = &keylog
	l := newLoopSim(t, testConfig(srvCfg), Server, bulkSplit{}, 0)
	peer := tls.Client(l.Peer, cliCfg)
	if err := peer.Handshake(); err != nil {
		t.Fatal(err)
	}
	cs := l.waitOpen()
	if cs.CipherSuite != tls.TLS_AES_128_GCM_SHA256 {
		t.Skipf("cipher suite %s; the forgery knows AES-128-GCM only", tls.CipherSuiteName(cs.CipherSuite))
	}
	var secret []byte
	sc := bufio.NewScanner(&keylog)
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) == 3 && f[0] == "CLIENT_TRAFFIC_SECRET_0" {
			secret, _ = hex.DecodeString(f[2])
		}
	}
	if secret == nil {
		t.Fatal("no client traffic secret in the key log")
	}
	// The client's first application record (sequence number 0): a
	// KeyUpdate handshake message with update_requested set.
	key := expandLabel(t, secret, "key", 16)
	iv := expandLabel(t, secret, "iv", 12)
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	inner := []byte{24, 0, 0, 1, 1, 22} // key_update, length 1, update_requested; content type handshake
	hdr := []byte{23, 3, 3, 0, byte(len(inner) + aead.Overhead())}
	record := aead.Seal(append([]byte(nil), hdr...), iv, inner, hdr) // seq 0: the nonce is the IV
	sendsBefore := l.toPeer.writesCount()
	l.Peer.Write(record)
	// The session answers while it reads: wait for its answer to reach
	// the peer, then write under the new keys.
	waitFor(t, "the session's KeyUpdate", func() bool { return l.toPeer.writesCount() > sendsBefore })
	l.write([]byte("after the update"))
	buf := make([]byte, 64)
	n, err := peer.Read(buf)
	if err != nil || string(buf[:n]) != "after the update" {
		t.Fatalf("peer read %q, %v; want the write under the new keys", buf[:n], err)
	}
}

// expandLabel is HKDF-Expand-Label of RFC 8446 with SHA-256 and an
// empty context.
func expandLabel(t *testing.T, secret []byte, label string, n int) []byte {
	t.Helper()
	full := "tls13 " + label
	info := append([]byte{byte(n >> 8), byte(n), byte(len(full))}, full...)
	info = append(info, 0)
	out, err := hkdf.Expand(sha256.New, secret, string(info), n)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
