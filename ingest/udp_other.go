//go:build !linux

package ingest

import "net"

func listenUDP(addr *net.UDPAddr, readBuffer int) (*net.UDPConn, error) {
	c, err := net.ListenUDP("udp", addr)
	if err == nil {
		c.SetReadBuffer(readBuffer)
	}
	return c, err
}

// parseDropCount is Linux-only; elsewhere kernel drops are not visible.
func parseDropCount(oob []byte) (uint32, bool) { return 0, false }
