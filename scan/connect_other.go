//go:build !linux

package scan

import (
	"context"
	"net/netip"
	"time"
)

// connectBatch probes ports one dial at a time where raw non-blocking sockets
// are not wired up.
func connectBatch(ctx context.Context, g *Guard, ip netip.Addr, ports []int, timeout time.Duration) ([]PortState, error) {
	states := make([]PortState, len(ports))
	for i, p := range ports {
		st, err := probePort(ctx, g, ip, p)
		if err != nil {
			return states, err
		}
		states[i] = st
	}
	return states, nil
}

const haveConnectBatch = false
