//go:build afdpersocket

package poll

// perSocketPolls: see pollmodel_windows.go.
const perSocketPolls = true
