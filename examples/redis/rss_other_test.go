//go:build !linux && !windows

package main

import "errors"

// residentBytes is not implemented here: the test that needs it skips.
func residentBytes(pid int) (int64, error) { return 0, errors.ErrUnsupported }
