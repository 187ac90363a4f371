// Package testenv tells tests about the system they run on: whether the
// Windows binary runs under Wine, and how many handles or file descriptors
// the process has open, for leak checks.
package testenv
