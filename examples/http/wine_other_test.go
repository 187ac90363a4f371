//go:build !windows

package main

func underWine() bool { return false }
