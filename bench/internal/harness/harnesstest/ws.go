package harnesstest

import (
	"bytes"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// wsConns is the number of WebSocket connections checkWS holds at once.
const wsConns = 3

// checkWS serves -mode ws and, with gorilla/websocket's client on
// wsConns connections at once, sends binary messages of 1 byte to a few
// hundred KiB and a text one, each of which must come back as it was
// sent (not an empty one: nbhttp v1.6.8's Conn.WriteMessage sends no
// frame for empty data, nbhttp/websocket/conn.go:690); the
// server must count the connections while they are open and see them go
// when the clients close.
func checkWS(t *testing.T) {
	s := Start(t, "-mode", "ws", "-loops", "2")
	d := websocket.Dialer{HandshakeTimeout: timeout}
	var conns []*websocket.Conn
	for i := range wsConns {
		c, resp, err := d.Dial("ws://"+s.Addr+"/ws", nil)
		if err != nil {
			t.Fatalf("dial %d: %v", i, err)
		}
		if resp.StatusCode != http.StatusSwitchingProtocols {
			t.Fatalf("dial %d: status %s", i, resp.Status)
		}
		conns = append(conns, c)
	}
	for i, c := range conns {
		c.SetReadDeadline(time.Now().Add(timeout))
		for size := 1; size <= 256<<10; size = size*8 + 1 {
			if err := wsRoundTrip(c, websocket.BinaryMessage, message(i, size)); err != nil {
				t.Fatalf("connection %d, %d bytes: %v", i, size, err)
			}
		}
		if err := wsRoundTrip(c, websocket.TextMessage, []byte(fmt.Sprintf("héllo from %d", i))); err != nil {
			t.Fatalf("connection %d, text: %v", i, err)
		}
	}
	st := s.Stats()
	checkStats(t, st)
	if st.Conns != wsConns {
		t.Errorf("server counts %d connections with %d WebSocket connections open", st.Conns, wsConns)
	}
	for _, c := range conns {
		c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(timeout))
		c.Close()
	}
	s.WaitConns(0)
	s.Quit(false)
}

// wsRoundTrip sends msg as a message of type typ and reads the echo,
// which must be of the same type and bytes.
func wsRoundTrip(c *websocket.Conn, typ int, msg []byte) error {
	if err := c.WriteMessage(typ, msg); err != nil {
		return err
	}
	gotTyp, got, err := c.ReadMessage()
	if err != nil {
		return err
	}
	if gotTyp != typ || !bytes.Equal(got, msg) {
		return fmt.Errorf("echo of type %d, %d bytes; sent type %d, %d bytes (equal: %v)", gotTyp, len(got), typ, len(msg), bytes.Equal(got, msg))
	}
	return nil
}
