//go:build unix

package service_test

import (
	"syscall"
	"time"
)

// processCPU is the CPU time the process has used, user and system, by
// every goroutine: a call's own work and the background work it causes
// (the audit writer, the store's checkpoints).
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
