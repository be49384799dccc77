//go:build !linux

package ingest

// hugePages is Linux advice (see hugepage_linux.go); elsewhere it does nothing.
func hugePages[T any](s []T) {}
