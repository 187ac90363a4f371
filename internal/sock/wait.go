package sock

import "time"

// setupTimeout bounds the blocking helpers Pair uses.
const setupTimeout = 10 * time.Second

func acceptWait(l Handle) (Handle, error) {
	if err := WaitReadable(l, setupTimeout); err != nil {
		return 0, err
	}
	return Accept(l)
}

func waitConnected(c Handle) error {
	if err := WaitWritable(c, setupTimeout); err != nil {
		return err
	}
	return Error(c)
}
