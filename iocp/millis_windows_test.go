package iocp

import (
	"testing"
	"time"

	"golang.org/x/sys/windows"
)

func TestMillis(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want uint32
	}{
		{-1, windows.INFINITE},
		{-time.Hour, windows.INFINITE},
		{0, 0},
		{time.Nanosecond, 1},
		{time.Millisecond, 1},
		{1500 * time.Microsecond, 2},
		{time.Second, 1000},
		{50 * 24 * time.Hour, windows.INFINITE},
		{1<<63 - 1, windows.INFINITE},
	}
	for _, tt := range tests {
		if got := millis(tt.d); got != tt.want {
			t.Errorf("millis(%v) = %d, want %d", tt.d, got, tt.want)
		}
	}
}
