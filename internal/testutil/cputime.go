package testutil

import (
	"syscall"
	"testing"
	"time"
)

// CPUTime returns the user+system CPU time the process has used.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// ReportCPURate reports ops per CPU-second ("<unit>/cpu-s") for the
// benchmark's b.N operations since start (a CPUTime reading). On a machine
// shared with other work, wall-clock ns/op overstates the cost; CPU time
// (garbage collection included) does not.
func ReportCPURate(b *testing.B, start time.Duration, unit string) {
	if used := CPUTime() - start; used > 0 {
		b.ReportMetric(float64(b.N)/used.Seconds(), unit+"/cpu-s")
	}
}
