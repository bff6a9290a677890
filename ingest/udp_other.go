//go:build !linux

package ingest

import "net"

func listenUDP(addr *net.UDPAddr) (*net.UDPConn, error) { return net.ListenUDP("udp", addr) }

// parseDropCount is Linux-only; elsewhere kernel drops are not visible.
func parseDropCount(oob []byte) (uint32, bool) { return 0, false }
