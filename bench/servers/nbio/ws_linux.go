package main

import (
	"net/http"

	"github.com/lesismal/nbio/nbhttp/websocket"
)

// wsEcho is -mode ws on nbhttp: every request is upgraded by nbhttp's
// websocket.Upgrader (its defaults), which reads the connection on nbio's
// pollers, and OnMessage writes every message back.
func wsEcho() http.Handler {
	u := websocket.NewUpgrader()
	u.CheckOrigin = func(*http.Request) bool { return true }
	u.OnMessage(func(c *websocket.Conn, typ websocket.MessageType, data []byte) { c.WriteMessage(typ, data) })
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.Upgrade(w, r, nil) // answers the request itself on failure
	})
}
