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
func listenUDP(addr *net.UDPAddr) (*net.UDPConn, error) {
	c, err := net.ListenUDP("udp", addr)
	if err != nil {
		return nil, err
	}
	if raw, err := c.SyscallConn(); err == nil {
		raw.Control(func(fd uintptr) {
			syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RXQ_OVFL, 1)
		})
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
