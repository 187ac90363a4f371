package harness

import (
	"errors"
	"io"
	"net/http"
	"strconv"
)

// Hello is the body of HTTPHandler's answer to a request without a body.
const Hello = "Hello, World!"

// MaxHTTPBody caps the request bodies HTTPHandler echoes; a larger one is
// answered 413.
const MaxHTTPBody = 1 << 20

// HTTPHandler is what every server of -mode http serves: a POST (or any
// request with a body of known length) is answered 200 with its body, as
// application/octet-stream; any other request 200 with Hello, as
// text/plain (nbhttp gives a GET a ContentLength of -1, net/http 0). Both carry a Content-Length, so that every server frames
// them alike.
func HTTPHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		if r.Method != http.MethodPost && r.ContentLength <= 0 {
			h.Set("Content-Type", "text/plain; charset=utf-8")
			h.Set("Content-Length", strconv.Itoa(len(Hello)))
			io.WriteString(w, Hello)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxHTTPBody))
		var tooLarge *http.MaxBytesError
		switch {
		case errors.As(err, &tooLarge):
			http.Error(w, err.Error(), http.StatusRequestEntityTooLarge)
			return
		case err != nil:
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		h.Set("Content-Type", "application/octet-stream")
		h.Set("Content-Length", strconv.Itoa(len(body)))
		w.Write(body)
	})
}
