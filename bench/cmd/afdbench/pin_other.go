//go:build !linux

package main

import (
	"errors"
	"os/exec"
)

const pinSupported = false

func pinClient() error { return errors.ErrUnsupported }

func pinServer(cmd *exec.Cmd) *exec.Cmd { return cmd }
