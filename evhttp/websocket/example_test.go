package websocket_test

import (
	"context"
	"fmt"
	"log"
	"net/http"

	"github.com/goafd/afd/evhttp"
	"github.com/goafd/afd/evhttp/websocket"
	"github.com/goafd/afd/evloop"
)

// An echo server on evhttp, and a client of the package talking to it.
func Example() {
	es, err := evloop.NewServer(evloop.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer es.Close()

	var up websocket.Upgrader
	mux := http.NewServeMux()
	mux.HandleFunc("/ws", func(w http.ResponseWriter, r *http.Request) {
		// The handler returns at once; the connection lives on, on its
		// loop, and its messages come to OnMessage.
		up.Upgrade(w, r, websocket.Handler{
			OnMessage: func(c *websocket.Conn, typ websocket.MessageType, data []byte) {
				c.WriteMessage(typ, append([]byte("echo: "), data...))
			},
		})
	})
	hs := &evhttp.Server{Handler: mux}
	defer hs.Close()
	ln, err := hs.Listen(es, "tcp://127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}

	got := make(chan string)
	closed := make(chan error)
	c, _, err := (&websocket.Dialer{}).Dial(context.Background(), es, "ws://"+ln.Addr().String()+"/ws", websocket.Handler{
		OnMessage: func(c *websocket.Conn, typ websocket.MessageType, data []byte) { got <- string(data) },
		OnClose:   func(c *websocket.Conn, err error) { closed <- err },
	})
	if err != nil {
		log.Fatal(err)
	}
	c.WriteMessage(websocket.TextMessage, []byte("hello"))
	fmt.Println(<-got)
	c.Close(websocket.CloseNormalClosure, "bye")
	fmt.Println(<-closed) // the server answers with the code

	// Output:
	// echo: hello
	// websocket: close 1000 from peer
}
