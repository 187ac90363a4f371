package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// buildTimeout bounds one go build: a first cross build of a contender
// with its dependencies takes a while.
const buildTimeout = 5 * time.Minute

// build compiles the main package pkg (relative to the bench module's
// root, moduleDir) for p into dir and returns the binary's path.
func build(ctx context.Context, moduleDir, pkg, name string, p *platform, dir string) (string, error) {
	out := filepath.Join(dir, p.Name+"-"+name)
	if p.GOOS == "windows" {
		out += ".exe"
	}
	ctx, cancel := context.WithTimeout(ctx, buildTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, pkg)
	cmd.Dir = moduleDir
	cmd.Env = append(os.Environ(), "GOOS="+p.GOOS, "GOARCH="+p.GOARCH)
	if p.Wine != nil {
		cmd.Env = append(cmd.Env, "CGO_ENABLED=0")
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build %s for %s/%s: %w: %s", pkg, p.GOOS, p.GOARCH, err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

// moduleDir returns the root of the bench module, where go build runs:
// the folder of the go.mod that `go env GOMOD` finds from the working
// directory.
func moduleDir() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("not in a Go module: run afdbench from the bench folder")
	}
	data, err := os.ReadFile(gomod)
	if err != nil {
		return "", fmt.Errorf("read %s: %w", gomod, err)
	}
	if !bytes.Contains(data, []byte("module github.com/goafd/afd/bench\n")) {
		return "", fmt.Errorf("%s is not the bench module's: run afdbench from the bench folder", gomod)
	}
	return filepath.Dir(gomod), nil
}
