package evloop

import (
	"testing"
	"time"

	"github.com/goafd/afd/internal/sock"
)

// TestTCPOptions: Config.Nagle and KeepAlive reach the sockets of
// accepted and dialled connections; by default TCP_NODELAY is set and
// keep-alive left off.
func TestTCPOptions(t *testing.T) {
	type opts struct{ noDelay, keepAlive bool }
	for _, cfg := range []Config{{}, {Nagle: true, KeepAlive: 30 * time.Second}} {
		s := newServer(t, cfg)
		want := opts{!cfg.Nagle, cfg.KeepAlive > 0}
		got := make(chan opts, 2)
		report := func(c *Conn) {
			nd, ka, err := sock.Options(c.fd)
			if err != nil {
				t.Error(err)
			}
			got <- opts{nd, ka}
		}
		ln := listen(t, s, "tcp://127.0.0.1:0", Handler{OnOpen: report})
		if _, err := s.Dial(ln.String(), Handler{OnOpen: report}); err != nil {
			t.Fatal(err)
		}
		for _, who := range []string{"one", "the other"} {
			if o := recv(t, got, "OnOpen"); o != want {
				t.Errorf("%+v: %s connection has %+v, want %+v", cfg, who, o, want)
			}
		}
		s.Close()
	}
}
