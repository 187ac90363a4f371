package winetrace

import (
	"maps"
	"os"
	"strings"
	"testing"
)

// TestCount counts a log written by hand after a real one: requests
// count once each, replies and the server's other lines not at all.
func TestCount(t *testing.T) {
	f, err := os.Open("testdata/server-log.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := Count(f)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{
		"init_first_thread":       1,
		"recv_socket":             1,
		"send_socket":             1,
		"set_async_direct_result": 2,
		"ioctl":                   1,
		"get_async_result":        1,
		"remove_completion":       2,
		"select":                  1,
	}
	if !maps.Equal(c.ByName, want) {
		t.Errorf("by name: %v, want %v", c.ByName, want)
	}
	if c.Total != 10 {
		t.Errorf("total: %d requests, want 10", c.Total)
	}
}

// TestCountLongLines: a line longer than the read buffer (large
// arguments are logged in full) counts once if it is a request, and its
// tail is not mistaken for a line.
func TestCountLongLines(t *testing.T) {
	long := strings.Repeat("00,", 100_000)
	log := "0024: write( data={" + long + "} )\n" +
		"0024: write() = 0 { data={" + strings.Repeat("0024: read( ", 30_000) + "} }\n" +
		"0024: read( handle=0004 )\n" +
		"0024: read( last line without a newline )"
	c, err := Count(strings.NewReader(log))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{"write": 1, "read": 2}
	if c.Total != 3 || !maps.Equal(c.ByName, want) {
		t.Errorf("Count = %d %v, want 3 %v", c.Total, c.ByName, want)
	}
}
