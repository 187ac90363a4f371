// Package bitset formats sets of named flag bits, as the event types of
// packages afd and poll print themselves.
package bitset

import (
	"strconv"
	"strings"
)

// Name names one bit.
type Name struct {
	Bit  uint32
	Name string
}

// String returns the names of the bits set in v, in the order of names,
// joined by "|"; bits that no name covers are shown in hexadecimal, and
// the empty set is "0".
func String(v uint32, names []Name) string {
	if v == 0 {
		return "0"
	}
	var b strings.Builder
	rest := v
	for _, n := range names {
		if v&n.Bit == 0 {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('|')
		}
		b.WriteString(n.Name)
		rest &^= n.Bit
	}
	if rest != 0 {
		if b.Len() > 0 {
			b.WriteByte('|')
		}
		b.WriteString("0x")
		b.WriteString(strconv.FormatUint(uint64(rest), 16))
	}
	return b.String()
}
