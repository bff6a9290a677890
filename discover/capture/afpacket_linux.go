//go:build linux

package capture

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"bianque/discover/decode"
)

// Live captures frames from a network interface through an AF_PACKET
// socket (pure Go, no libpcap). It only receives: the socket is never used
// to transmit. VLAN tags the kernel stripped are put back into the frame
// from the packet's auxiliary data, so decoders see them as on the wire.
type Live struct {
	fd      int
	ifindex int
	buf     []byte
	oob     []byte
	closed  atomic.Bool
	// SkipOutgoing drops frames the host itself sent (needed on loopback,
	// where every frame is seen twice).
	SkipOutgoing bool
}

// LiveOptions tune OpenLive.
type LiveOptions struct {
	Snaplen     int  // bytes kept per frame (default 65535)
	Promiscuous bool // receive frames not addressed to this host (mirror ports)
	RcvBuf      int  // socket receive buffer in bytes (default 8 MiB)
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// OpenLive opens interface name for capture. It needs CAP_NET_RAW.
func OpenLive(name string, opt LiveOptions) (*Live, error) {
	ifc, err := net.InterfaceByName(name)
	if err != nil {
		return nil, fmt.Errorf("capture interface %s: %w", name, err)
	}
	if opt.Snaplen <= 0 {
		opt.Snaplen = 65535
	}
	if opt.RcvBuf <= 0 {
		opt.RcvBuf = 8 << 20
	}
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, int(htons(unix.ETH_P_ALL)))
	if err != nil {
		return nil, fmt.Errorf("open AF_PACKET socket: %w", err)
	}
	l := &Live{fd: fd, ifindex: ifc.Index, buf: make([]byte, opt.Snaplen+4), oob: make([]byte, 256)}
	fail := func(what string, err error) (*Live, error) {
		unix.Close(fd)
		return nil, fmt.Errorf("capture %s: %s: %w", name, what, err)
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_AUXDATA, 1); err != nil {
		return fail("enable aux data", err)
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1); err != nil {
		return fail("enable timestamps", err)
	}
	_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, opt.RcvBuf)
	tv := unix.NsecToTimeval(int64(200 * time.Millisecond))
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		return fail("set receive timeout", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: ifc.Index}); err != nil {
		return fail("bind", err)
	}
	if opt.Promiscuous {
		mr := unix.PacketMreq{Ifindex: int32(ifc.Index), Type: unix.PACKET_MR_PROMISC}
		if err := unix.SetsockoptPacketMreq(fd, unix.SOL_PACKET, unix.PACKET_ADD_MEMBERSHIP, &mr); err != nil {
			return fail("promiscuous mode", err)
		}
	}
	l.SkipOutgoing = ifc.Flags&net.FlagLoopback != 0
	return l, nil
}

// Next returns the next frame; it blocks until one arrives or Close is called
// (then io.EOF).
func (l *Live) Next() (Frame, error) {
	for {
		if l.closed.Load() {
			return Frame{}, io.EOF
		}
		// Receive at offset 4 so a stripped VLAN tag can be put back in front.
		n, oobn, _, from, err := unix.Recvmsg(l.fd, l.buf[4:], l.oob, unix.MSG_TRUNC)
		if err != nil {
			if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR) {
				continue
			}
			if l.closed.Load() {
				return Frame{}, io.EOF
			}
			return Frame{}, fmt.Errorf("capture receive: %w", err)
		}
		if sll, ok := from.(*unix.SockaddrLinklayer); ok && l.SkipOutgoing && sll.Pkttype == unix.PACKET_OUTGOING {
			continue
		}
		orig := n
		if n > len(l.buf)-4 {
			n = len(l.buf) - 4
		}
		fr := Frame{Data: l.buf[4 : 4+n], Link: decode.LinkEthernet, OrigLen: orig}
		msgs, err := unix.ParseSocketControlMessage(l.oob[:oobn])
		if err == nil {
			for _, m := range msgs {
				switch {
				case m.Header.Level == unix.SOL_PACKET && m.Header.Type == unix.PACKET_AUXDATA &&
					len(m.Data) >= int(unsafe.Sizeof(unix.TpacketAuxdata{})):
					aux := (*unix.TpacketAuxdata)(unsafe.Pointer(&m.Data[0]))
					if aux.Status&unix.TP_STATUS_VLAN_VALID != 0 && n >= 12 {
						tpid := uint16(0x8100)
						if aux.Status&unix.TP_STATUS_VLAN_TPID_VALID != 0 && aux.Vlan_tpid != 0 {
							tpid = aux.Vlan_tpid
						}
						copy(l.buf[0:12], l.buf[4:16])
						binary.BigEndian.PutUint16(l.buf[12:14], tpid)
						binary.BigEndian.PutUint16(l.buf[14:16], aux.Vlan_tci)
						fr.Data = l.buf[0 : n+4]
						fr.VLAN = aux.Vlan_tci & 0x0fff
					}
				case m.Header.Level == unix.SOL_SOCKET && m.Header.Type == unix.SO_TIMESTAMPNS && len(m.Data) >= 16:
					ts := (*unix.Timespec)(unsafe.Pointer(&m.Data[0]))
					fr.Time = time.Unix(ts.Sec, ts.Nsec).UTC()
				}
			}
		}
		return fr, nil
	}
}

// Stats returns the frames the kernel received and dropped since the last call.
func (l *Live) Stats() (received, dropped uint64, err error) {
	var st unix.TpacketStats
	sz := uint32(unsafe.Sizeof(st))
	_, _, e := unix.Syscall6(unix.SYS_GETSOCKOPT, uintptr(l.fd), unix.SOL_PACKET, unix.PACKET_STATISTICS,
		uintptr(unsafe.Pointer(&st)), uintptr(unsafe.Pointer(&sz)), 0)
	if e != 0 {
		return 0, 0, fmt.Errorf("capture statistics: %w", e)
	}
	return uint64(st.Packets), uint64(st.Drops), nil
}

// Close stops the capture; a blocked Next returns io.EOF within its
// receive timeout.
func (l *Live) Close() error {
	if l.closed.Swap(true) {
		return nil
	}
	return unix.Close(l.fd)
}
