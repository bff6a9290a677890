//go:build linux

package ingest

import (
	"encoding/binary"
	"net"
	"syscall"
)

// listenUDP opens a UDP socket that reports, with every datagram, how many
// datagrams the kernel has dropped on it (SO_RXQ_OVFL), so drops are counted
// rather than silent.
//
// The receive buffer is set with SO_RCVBUFFORCE where the process may (as
// root), which is not capped by net.core.rmem_max, and with SO_RCVBUF otherwise.
func listenUDP(addr *net.UDPAddr, readBuffer int) (*net.UDPConn, error) {
	c, err := net.ListenUDP("udp", addr)
	if err != nil {
		return nil, err
	}
	forced := false
	if raw, err := c.SyscallConn(); err == nil {
		raw.Control(func(fd uintptr) {
			syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RXQ_OVFL, 1)
			forced = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUFFORCE, readBuffer) == nil
		})
	}
	if !forced {
		c.SetReadBuffer(readBuffer)
	}
	return c, nil
}

// parseDropCount reads the SO_RXQ_OVFL control message: the socket's
// cumulative count of dropped datagrams.
func parseDropCount(oob []byte) (uint32, bool) {
	msgs, err := syscall.ParseSocketControlMessage(oob)
	if err != nil {
		return 0, false
	}
	for _, m := range msgs {
		if m.Header.Level == syscall.SOL_SOCKET && m.Header.Type == syscall.SO_RXQ_OVFL && len(m.Data) >= 4 {
			return binary.NativeEndian.Uint32(m.Data), true
		}
	}
	return 0, false
}
