package sensor

// Pending counts the devices and flow aggregates evicted since the last
// Flush and held for the Sink. A live sensor under heavy churn flushes
// early when it grows, so that memory stays bounded between intervals.
func (e *Engine) Pending() int { return len(e.evictedOut) + len(e.evictedFlows) }

// CountError counts an input failure (a capture file that broke off) with
// the decode errors of the stats.
func (e *Engine) CountError(reason string) { e.errs[reason]++ }
