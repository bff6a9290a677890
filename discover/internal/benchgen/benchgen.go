// Package benchgen builds the benchmark workload of passive discovery: every
// frame of the shared pcap corpus, looped until the requested packet count.
// Each loop moves client (ephemeral) ports, so every loop opens new
// conversations that the sensor tracks and dissects again, as on a live
// network; server ports stay put. Non-Ethernet frames get an Ethernet header.
package benchgen

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"

	"bianque/discover/capture"
	"bianque/discover/decode"
)

// Frame is one workload frame (Ethernet).
type Frame struct {
	Data []byte
	// port offsets of the TCP/UDP header ports inside Data (0: none).
	sport, dport int
}

// Load reads every capture of dir (*.pcap, *.pcapng) as Ethernet frames.
func Load(dir string) ([]Frame, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.pcap*"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var out []Frame
	var p decode.Packet
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		src, err := capture.Open(f)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		for {
			fr, err := src.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				f.Close()
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			data := append([]byte(nil), fr.Data...)
			switch fr.Link {
			case decode.LinkEthernet:
			case decode.LinkNull, decode.LinkLoop, decode.LinkRaw:
				ip := data
				if fr.Link != decode.LinkRaw {
					ip = data[min(4, len(data)):]
				}
				et := uint16(decode.EtherTypeIPv4)
				if len(ip) > 0 && ip[0]>>4 == 6 {
					et = decode.EtherTypeIPv6
				}
				data = append(binary.BigEndian.AppendUint16(make([]byte, 12), et), ip...)
			default:
				continue
			}
			fr2 := Frame{Data: data}
			if p.Decode(decode.LinkEthernet, data) == nil && !p.Tunnel && (p.Proto == decode.ProtoTCP || p.Proto == decode.ProtoUDP) {
				// Locate the port fields: search the headers for the two
				// port values before the payload.
				off := cap(data) - cap(p.Payload)
				for i := 14; i+4 <= off; i++ {
					if binary.BigEndian.Uint16(data[i:]) == p.SrcPort && binary.BigEndian.Uint16(data[i+2:]) == p.DstPort &&
						(p.Proto == decode.ProtoUDP && i+8 == off || p.Proto == decode.ProtoTCP && i+20 <= off) {
						fr2.sport, fr2.dport = i, i+2
						break
					}
				}
			}
			out = append(out, fr2)
		}
		f.Close()
	}
	return out, nil
}

// Loop returns n frames: the corpus frames repeated, each repetition with
// client ports moved.
func Loop(frames []Frame, n int) [][]byte {
	out := make([][]byte, 0, n)
	for iter := 0; len(out) < n; iter++ {
		for _, f := range frames {
			if len(out) == n {
				break
			}
			b := f.Data
			if iter > 0 && f.sport > 0 {
				b = append([]byte(nil), f.Data...)
				sp := binary.BigEndian.Uint16(b[f.sport:])
				dp := binary.BigEndian.Uint16(b[f.dport:])
				move := func(p uint16) uint16 {
					return uint16(1024 + (int(p)-1024+iter*9973)%64512)
				}
				// The client side is the higher, unprivileged port.
				if sp >= dp && sp >= 1024 {
					binary.BigEndian.PutUint16(b[f.sport:], move(sp))
				} else if dp > sp && dp >= 1024 {
					binary.BigEndian.PutUint16(b[f.dport:], move(dp))
				}
			}
			out = append(out, b)
		}
	}
	return out
}

// Write writes frames as a pcap file with 1 µs spacing.
func Write(w io.Writer, frames [][]byte) error {
	pw, err := capture.NewPcapWriter(w, decode.LinkEthernet)
	if err != nil {
		return err
	}
	t := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, f := range frames {
		if err := pw.WritePacket(t, f); err != nil {
			return err
		}
		t = t.Add(time.Microsecond)
	}
	return nil
}
