package sock

import (
	"errors"
	"fmt"
)

// ListenUnix fails on Windows: the sockets of this package are TCP and
// UDP only there.
func ListenUnix(path string) (Handle, error) {
	return 0, fmt.Errorf("sock: listen unix %s: %w", path, errors.ErrUnsupported)
}

// DialUnix fails on Windows, as ListenUnix does.
func DialUnix(path string) (Handle, error) {
	return 0, fmt.Errorf("sock: dial unix %s: %w", path, errors.ErrUnsupported)
}

// RemoveUnix does nothing on Windows, where ListenUnix makes no file.
func RemoveUnix(string) {}
