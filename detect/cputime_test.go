package detect

import (
	"syscall"
	"testing"
	"time"
)

// cpuTime returns the user+system CPU time of the process so far. On a
// shared machine it measures the work done better than the wall clock,
// which also counts time the benchmark waited for a core.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU adds events per CPU-second to a benchmark whose loop started at start.
func reportCPU(b *testing.B, start time.Duration) {
	if used := cpuTime() - start; used > 0 {
		b.ReportMetric(float64(b.N)/used.Seconds(), "events/cpu-s")
	}
}
