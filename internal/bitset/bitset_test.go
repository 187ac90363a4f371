package bitset

import "testing"

func TestString(t *testing.T) {
	names := []Name{{1, "A"}, {2, "B"}, {8, "D"}}
	for _, tc := range []struct {
		v    uint32
		want string
	}{
		{0, "0"},
		{1, "A"},
		{3, "A|B"},
		{9, "A|D"},
		{4, "0x4"},
		{0x15, "A|0x14"},
	} {
		if got := String(tc.v, names); got != tc.want {
			t.Errorf("String(%#x) = %q, want %q", tc.v, got, tc.want)
		}
	}
}
