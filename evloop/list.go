package evloop

// A connList is an intrusive doubly linked list of connections in the
// order of their last activity, least recent first: the loop checks
// timeouts from the head, and activity moves a connection to the tail.
// Every operation is O(1) and allocates nothing.
type connList struct {
	head, tail *Conn
}

// push appends c, which is on no list.
func (li *connList) push(c *Conn) {
	c.list = li
	c.prev, c.next = li.tail, nil
	if li.tail != nil {
		li.tail.next = c
	} else {
		li.head = c
	}
	li.tail = c
}

// remove takes c off li, if it is on it.
func (li *connList) remove(c *Conn) {
	if c.list != li {
		return
	}
	if c.prev != nil {
		c.prev.next = c.next
	} else {
		li.head = c.next
	}
	if c.next != nil {
		c.next.prev = c.prev
	} else {
		li.tail = c.prev
	}
	c.prev, c.next, c.list = nil, nil, nil
}

// touch records activity on c now: it moves to the tail of its list.
func (l *loop) touch(c *Conn) {
	c.last = l.now
	if li := c.list; li != nil && li.tail != c {
		li.remove(c)
		li.push(c)
	}
}
