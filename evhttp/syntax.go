package evhttp

// Character classes of RFC 9110 and RFC 9112 that the parser checks, the
// same that net/http checks (its validators live in golang.org/x/net, which
// this module does not depend on).

// isToken reports whether b is a tchar (RFC 9110 section 5.6.2).
func isToken(b byte) bool { return tokenTable[b] }

var tokenTable = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return t
}()

// validToken reports whether s is a non-empty token.
func validToken(s []byte) bool {
	if len(s) == 0 {
		return false
	}
	for _, b := range s {
		if !isToken(b) {
			return false
		}
	}
	return true
}

// validFieldValue reports whether s is a valid field value: no control
// byte but HTAB (obs-text, bytes 0x80 and above, is allowed).
func validFieldValue(s []byte) bool {
	for _, b := range s {
		if b < ' ' && b != '\t' || b == 0x7f {
			return false
		}
	}
	return true
}

// validHost reports whether s is a valid Host header value: the bytes of a
// host and port, as net/http's httpguts.ValidHostHeader accepts them.
func validHost(s string) bool {
	for i := 0; i < len(s); i++ {
		if !hostTable[s[i]] {
			return false
		}
	}
	return true
}

var hostTable = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	for _, c := range "!$%&()*+,-.:;=['~]_" {
		t[c] = true
	}
	return t
}()

// trimOWS trims optional white space (SP and HTAB) on both sides.
func trimOWS(s []byte) []byte {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

// validTokenString is validToken for a string.
func validTokenString(s string) bool {
	if len(s) == 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isToken(s[i]) {
			return false
		}
	}
	return true
}

// validFieldValueString is validFieldValue for a string.
func validFieldValueString(s string) bool {
	for i := 0; i < len(s); i++ {
		if b := s[i]; b < ' ' && b != '\t' || b == 0x7f {
			return false
		}
	}
	return true
}

// trimOWSString is trimOWS for a string.
func trimOWSString(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}
