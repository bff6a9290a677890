package sensor

import (
	"bianque/discover"
	"bianque/discover/decode"
	"bianque/discover/dissect"
)

// AddFlow adds a flow record from NetFlow, IPFIX or a Zeek conn.log: the
// hosts, their MACs when the record has them, and the communication map
// aggregate. Records have no payload, so no identity is extracted.
func (e *Engine) AddFlow(r discover.FlowRecord) {
	e.stats.FlowRecords++
	if !r.Src.IsValid() || !r.Dst.IsValid() {
		return
	}
	start, end := r.Start.UnixNano(), r.End.UnixNano()
	if end < start {
		end = start
	}
	if end > e.now {
		e.now = end
	}
	src, dst := e.host(r.Src.Unmap()), e.host(r.Dst.Unmap())
	for _, x := range []struct {
		h   *host
		mac string
	}{{src, r.SrcMAC}, {dst, r.DstMAC}} {
		if m, ok := decode.ParseMAC(x.mac); ok && !m.IsGroup() {
			x.h.addMAC(m)
			e.macHost(m).addIP(x.h.ip)
		}
	}
	if r.VLAN > 0 {
		src.addVLAN(uint16(r.VLAN))
		dst.addVLAN(uint16(r.VLAN))
	}
	src.asSource = src.asSource || r.Packets > 0
	dst.asSource = dst.asSource || r.RevPackets > 0
	var sp, dp uint16
	if r.Proto == decode.ProtoTCP || r.Proto == decode.ProtoUDP || r.Proto == decode.ProtoSCTP {
		sp, dp = r.SrcPort, r.DstPort
	}
	srcIsClient := r.SrcIsClient
	if !srcIsClient {
		p := decode.Packet{Src: r.Src, Dst: r.Dst, SrcPort: sp, DstPort: dp, Proto: r.Proto}
		if r.Proto == decode.ProtoTCP {
			p.TCPFlags = decode.TCPAck // flags of a whole flow do not say who sent the SYN
		}
		srcIsClient = serverIsDst(&p)
	}
	client, server := src, dst
	fwdPk, fwdBy, revPk, revBy := r.Packets, r.Bytes, r.RevPackets, r.RevBytes
	port := dp
	if !srcIsClient {
		client, server = dst, src
		fwdPk, fwdBy, revPk, revBy = revPk, revBy, fwdPk, fwdBy
		port = sp
	}
	app := dissect.AppUnknown
	if r.App != "" {
		app, _ = dissect.AppByName(r.App)
	}
	if app == dissect.AppUnknown {
		app = dissect.PortApp(r.Proto, port)
	}
	ed := e.edgeForKey(edgeKey{client: client.ip, server: server.ip, proto: r.Proto, port: port}, app)
	ed.addApp(app)
	if start < ed.first || ed.first == 0 {
		ed.first = start
	}
	if end > ed.last {
		ed.last = end
	}
	if srcIsClient {
		ed.conns++
		ed.dConns++
	}
	ed.pkts[0] += fwdPk
	ed.pkts[1] += revPk
	ed.bytes[0] += fwdBy
	ed.bytes[1] += revBy
	ed.dPkts[0] += fwdPk
	ed.dPkts[1] += revPk
	ed.dBytes[0] += fwdBy
	ed.dBytes[1] += revBy
	ed.dirty = true
	e.edgeLRU.touch(ed)
	client.pkts += fwdPk
	client.bytes += fwdBy
	server.pkts += revPk
	server.bytes += revBy
	for _, h := range []*host{client, server} {
		if h.first == 0 || start < h.first {
			h.first = start
		}
		touchHost(h, end)
	}
	if revPk > 0 && (r.Proto == decode.ProtoTCP || r.Proto == decode.ProtoUDP) {
		server.addService(r.Proto, port, app)
	}
}
