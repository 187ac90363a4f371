package main

import (
	"strconv"
	"sync"
	"time"
)

// command is an entry of the command table: arity counts the name, and a
// negative arity is a minimum.
type command struct {
	name  string // lower case, for error messages
	arity int
	run   func(s *session, st *store, args [][]byte) (quit bool)
}

var commands map[string]*command

func init() {
	commands = map[string]*command{}
	for _, c := range []*command{
		{"ping", -1, cmdPing},
		{"echo", 2, cmdEcho},
		{"set", -3, cmdSet},
		{"get", 2, cmdGet},
		{"del", -2, cmdDel},
		{"incr", 2, cmdIncr},
		{"command", -1, cmdCommand},
		{"quit", -1, cmdQuit},
	} {
		up := []byte(c.name)
		for i, b := range up {
			up[i] = b - 'a' + 'A'
		}
		commands[string(up)] = c
	}
}

// maxNameInError bounds the command name quoted in an error reply.
const maxNameInError = 64

// exec runs the command args and appends its reply to s.out; it returns
// true if the connection is to be closed.
func (s *session) exec(st *store, args [][]byte) bool {
	s.name = s.name[:0]
	for _, b := range args[0] {
		if 'a' <= b && b <= 'z' {
			b -= 'a' - 'A'
		}
		s.name = append(s.name, b)
	}
	c := commands[string(s.name)] // does not allocate
	if c == nil {
		s.out = append(s.out, "-ERR unknown command '"...)
		for i, b := range args[0] {
			if i == maxNameInError {
				s.out = append(s.out, "..."...)
				break
			}
			if b < ' ' || b > '~' || b == '\'' {
				b = '?' // keep the reply on one line
			}
			s.out = append(s.out, b)
		}
		s.out = append(s.out, "'\r\n"...)
		return false
	}
	if c.arity >= 0 && len(args) != c.arity || c.arity < 0 && len(args) < -c.arity {
		s.out = append(s.out, "-ERR wrong number of arguments for '"...)
		s.out = append(s.out, c.name...)
		s.out = append(s.out, "' command\r\n"...)
		return false
	}
	return c.run(s, st, args)
}

func cmdPing(s *session, _ *store, args [][]byte) bool {
	switch len(args) {
	case 1:
		s.out = appendSimple(s.out, "PONG")
	case 2:
		s.out = appendBulk(s.out, args[1])
	default:
		s.out = appendError(s.out, "ERR wrong number of arguments for 'ping' command")
	}
	return false
}

func cmdEcho(s *session, _ *store, args [][]byte) bool {
	s.out = appendBulk(s.out, args[1])
	return false
}

func cmdCommand(s *session, _ *store, _ [][]byte) bool {
	s.out = append(s.out, "*0\r\n"...)
	return false
}

func cmdQuit(s *session, _ *store, _ [][]byte) bool {
	s.out = appendSimple(s.out, "OK")
	return true
}

func cmdSet(s *session, st *store, args [][]byte) bool {
	var exp int64
	for i := 3; i < len(args); i++ {
		unit := time.Duration(0)
		switch string(upper(args[i], s)) {
		case "EX":
			unit = time.Second
		case "PX":
			unit = time.Millisecond
		}
		if unit == 0 || exp != 0 || i+1 == len(args) {
			s.out = appendError(s.out, "ERR syntax error")
			return false
		}
		i++
		v, ok := parseInt(args[i])
		if !ok || v <= 0 || v > int64(1<<62)/int64(unit) {
			s.out = appendError(s.out, "ERR invalid expire time in 'set' command")
			return false
		}
		exp = time.Now().Add(time.Duration(v) * unit).UnixNano()
	}
	st.set(args[1], args[2], exp)
	s.out = appendSimple(s.out, "OK")
	return false
}

// upper upper-cases b into s.name, which exec is done with by then.
func upper(b []byte, s *session) []byte {
	s.name = s.name[:0]
	for _, c := range b {
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		s.name = append(s.name, c)
	}
	return s.name
}

func cmdGet(s *session, st *store, args [][]byte) bool {
	s.out = st.get(s.out, args[1])
	return false
}

func cmdDel(s *session, st *store, args [][]byte) bool {
	n := 0
	for _, k := range args[1:] {
		if st.del(k) {
			n++
		}
	}
	s.out = appendInt(s.out, int64(n))
	return false
}

func cmdIncr(s *session, st *store, args [][]byte) bool {
	v, ok := st.incr(args[1])
	if !ok {
		s.out = appendError(s.out, "ERR value is not an integer or out of range")
		return false
	}
	s.out = appendInt(s.out, v)
	return false
}

// The store.

const shards = 64

// store is the key-value map shared by all loops, split into shards that
// each have a mutex of their own.
type store struct {
	shards [shards]shard
}

type shard struct {
	mu sync.Mutex
	m  map[string]*entry
	_  [40]byte // keep shards on separate cache lines
}

type entry struct {
	val []byte
	exp int64 // expiry in Unix nanoseconds; 0: none
}

func newStore() *store {
	st := &store{}
	for i := range st.shards {
		st.shards[i].m = map[string]*entry{}
	}
	return st
}

// shard returns the shard of key (FNV-1a).
func (st *store) shard(key []byte) *shard {
	h := uint32(2166136261)
	for _, b := range key {
		h = (h ^ uint32(b)) * 16777619
	}
	return &st.shards[h%shards]
}

// lookup returns the live entry of key; sh.mu must be held.
func (sh *shard) lookup(key []byte) *entry {
	e := sh.m[string(key)]
	if e != nil && e.exp != 0 && time.Now().UnixNano() >= e.exp {
		delete(sh.m, string(key))
		return nil
	}
	return e
}

func (st *store) set(key, val []byte, exp int64) {
	sh := st.shard(key)
	sh.mu.Lock()
	if e := sh.m[string(key)]; e != nil {
		e.val = append(e.val[:0], val...) // the old value's memory, if it fits
		e.exp = exp
	} else {
		sh.m[string(key)] = &entry{val: append([]byte(nil), val...), exp: exp}
	}
	sh.mu.Unlock()
}

// get appends the reply to GET key to out.
func (st *store) get(out, key []byte) []byte {
	sh := st.shard(key)
	sh.mu.Lock()
	if e := sh.lookup(key); e != nil {
		out = appendBulk(out, e.val)
	} else {
		out = appendNil(out)
	}
	sh.mu.Unlock()
	return out
}

func (st *store) del(key []byte) bool {
	sh := st.shard(key)
	sh.mu.Lock()
	e := sh.lookup(key)
	if e != nil {
		delete(sh.m, string(key))
	}
	sh.mu.Unlock()
	return e != nil
}

// incr adds 1 to the integer in key (0 if there is none) and keeps its
// expiry; ok is false if the value is not an integer or would overflow.
func (st *store) incr(key []byte) (v int64, ok bool) {
	sh := st.shard(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	e := sh.lookup(key)
	if e == nil {
		sh.m[string(key)] = &entry{val: append(make([]byte, 0, 8), '1')}
		return 1, true
	}
	v, ok = parseInt(e.val)
	if !ok || v == 1<<63-1 {
		return 0, false
	}
	v++
	e.val = strconv.AppendInt(e.val[:0], v, 10)
	return v, true
}
