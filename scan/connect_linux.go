//go:build linux

package scan

import (
	"context"
	"errors"
	"net/netip"
	"time"

	"golang.org/x/sys/unix"
)

// connectBatch makes one non-blocking TCP connect to each of ports on ip and
// waits for all of them with poll(2): a full connect() handshake as with a
// normal client (the same "connect scan" nmap -sT does), without a goroutine
// and a runtime poller registration per port. The guard has checked ip; each
// attempt still waits for the rate limits and is counted.
func connectBatch(ctx context.Context, g *Guard, ip netip.Addr, ports []int, timeout time.Duration) ([]PortState, error) {
	states := make([]PortState, len(ports))
	var pfds []unix.PollFd
	var idx []int
	closeAll := func() {
		for _, p := range pfds {
			unix.Close(int(p.Fd))
		}
		pfds, idx = nil, nil
	}
	family := unix.AF_INET
	if ip.Is6() && !ip.Is4In6() {
		family = unix.AF_INET6
	}
	for i, port := range ports {
		if err := g.wait(ctx, ip); err != nil {
			closeAll()
			return states, err
		}
		fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			closeAll()
			return states, err
		}
		g.Dials.Add(1)
		var sa unix.Sockaddr
		if family == unix.AF_INET {
			sa = &unix.SockaddrInet4{Port: port, Addr: ip.Unmap().As4()}
		} else {
			sa = &unix.SockaddrInet6{Port: port, Addr: ip.As16()}
		}
		switch err := unix.Connect(fd, sa); {
		case err == nil:
			states[i] = PortOpen
			unix.Close(fd)
		case errors.Is(err, unix.EINPROGRESS), errors.Is(err, unix.EAGAIN):
			pfds = append(pfds, unix.PollFd{Fd: int32(fd), Events: unix.POLLOUT})
			idx = append(idx, i)
		case errors.Is(err, unix.ECONNREFUSED):
			states[i] = PortClosed
			unix.Close(fd)
		default:
			states[i] = PortFiltered
			unix.Close(fd)
		}
	}
	deadline := time.Now().Add(timeout)
	for len(pfds) > 0 {
		if ctx.Err() != nil {
			closeAll()
			return states, ctx.Err()
		}
		left := time.Until(deadline)
		if left <= 0 {
			break
		}
		wait := min(left, 100*time.Millisecond)
		n, err := unix.Poll(pfds, int(wait/time.Millisecond)+1)
		if errors.Is(err, unix.EINTR) || n == 0 {
			continue
		}
		if err != nil {
			closeAll()
			return states, err
		}
		keep := pfds[:0]
		keepIdx := idx[:0]
		for k, p := range pfds {
			if p.Revents == 0 {
				keep = append(keep, p)
				keepIdx = append(keepIdx, idx[k])
				continue
			}
			soerr, err := unix.GetsockoptInt(int(p.Fd), unix.SOL_SOCKET, unix.SO_ERROR)
			switch {
			case err != nil:
				states[idx[k]] = PortFiltered
			case soerr == 0:
				states[idx[k]] = PortOpen
			case unix.Errno(soerr) == unix.ECONNREFUSED:
				states[idx[k]] = PortClosed
			default:
				states[idx[k]] = PortFiltered
			}
			unix.Close(int(p.Fd))
		}
		pfds, idx = keep, keepIdx
	}
	closeAll() // no answer within the timeout: filtered
	return states, nil
}

const haveConnectBatch = true
