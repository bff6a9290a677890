package parse

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"net/netip"
)

var icmpPairs = map[uint16]uint16{8: 0, 0: 8, 13: 14, 14: 13, 15: 16, 16: 15, 17: 18, 18: 17, 10: 9, 9: 10}
var icmp6Pairs = map[uint16]uint16{128: 129, 129: 128, 133: 134, 134: 133, 135: 136, 136: 135, 130: 131, 131: 130, 144: 145, 145: 144}

// CommunityID computes the Community ID v1 flow hash (seed 0) of a flow.
// For ICMP, sport and dport carry the ICMP type and code.
func CommunityID(src, dst netip.Addr, proto uint8, sport, dport uint16) string {
	src, dst = src.Unmap(), dst.Unmap()
	oneWay := false
	switch proto {
	case 1:
		if r, ok := icmpPairs[sport]; ok {
			dport = r
		} else {
			oneWay = true
		}
	case 58:
		if r, ok := icmp6Pairs[sport]; ok {
			dport = r
		} else {
			oneWay = true
		}
	}
	if !oneWay && (dst.Less(src) || (src == dst && dport < sport)) {
		src, dst = dst, src
		sport, dport = dport, sport
	}
	h := sha1.New()
	var b [2]byte
	h.Write(b[:]) // seed 0
	s, d := src.AsSlice(), dst.AsSlice()
	h.Write(s)
	h.Write(d)
	h.Write([]byte{proto, 0})
	hasPorts := proto == 6 || proto == 17 || proto == 132 || proto == 1 || proto == 58
	if hasPorts {
		binary.BigEndian.PutUint16(b[:], sport)
		h.Write(b[:])
		binary.BigEndian.PutUint16(b[:], dport)
		h.Write(b[:])
	}
	return "1:" + base64.StdEncoding.EncodeToString(h.Sum(nil))
}
