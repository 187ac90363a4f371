//go:build !(linux || darwin || dragonfly || freebsd || netbsd || openbsd)

package sock

import (
	"errors"
	"fmt"
)

func setReusePort(h Handle) error {
	return fmt.Errorf("sock: so_reuseport %#x: %w", h, errors.ErrUnsupported)
}
