//go:build !linux && !windows

package procmem

import "errors"

func resident(pid int) (int64, error) { return 0, errors.ErrUnsupported }
