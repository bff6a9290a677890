package importer

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"

	"bianque"
)

// nmap XML (-oX). Counting: one info finding per open port number ("Open port:
// 22/tcp"; one port number on several hosts is one finding with several
// locations), plus one finding per vulnerability ID reported by the vulners
// NSE script (severity from its CVSS score; repeated on several services, one
// finding with several locations and the occurrence count).
func init() {
	register(&Format{
		Name: "nmap-xml", Scanner: "nmap",
		Detect: func(head []byte, name string) int {
			if xmlRoot(head) == "nmaprun" {
				return 100
			}
			return 0
		},
		Parse: parseNmap,
	})
}

type nmapRun struct {
	Start string     `xml:"start,attr"`
	Hosts []nmapHost `xml:"host"`
}

type nmapHost struct {
	Addresses []struct {
		Addr string `xml:"addr,attr"`
		Type string `xml:"addrtype,attr"`
	} `xml:"address"`
	Hostnames []struct {
		Name string `xml:"name,attr"`
		Type string `xml:"type,attr"`
	} `xml:"hostnames>hostname"`
	Ports []nmapPort `xml:"ports>port"`
	OS    []struct {
		Name     string `xml:"name,attr"`
		Accuracy string `xml:"accuracy,attr"`
	} `xml:"os>osmatch"`
}

type nmapPort struct {
	Protocol string `xml:"protocol,attr"`
	PortID   string `xml:"portid,attr"`
	State    struct {
		State string `xml:"state,attr"`
	} `xml:"state"`
	Service *struct {
		Name      string   `xml:"name,attr"`
		Product   string   `xml:"product,attr"`
		Version   string   `xml:"version,attr"`
		ExtraInfo string   `xml:"extrainfo,attr"`
		CPEs      []string `xml:"cpe"`
	} `xml:"service"`
	Scripts []nmapScript `xml:"script"`
}

type nmapScript struct {
	ID     string      `xml:"id,attr"`
	Output string      `xml:"output,attr"`
	Tables []nmapTable `xml:"table"`
}

type nmapTable struct {
	Key    string      `xml:"key,attr"`
	Tables []nmapTable `xml:"table"`
	Elems  []struct {
		Key   string `xml:"key,attr"`
		Value string `xml:",chardata"`
	} `xml:"elem"`
}

func parseNmap(data []byte) (*Result, error) {
	var run nmapRun
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = false
	if err := dec.Decode(&run); err != nil {
		return nil, fmt.Errorf("decode nmap XML: %w", err)
	}
	res := &Result{}
	byKey := map[string]*bianque.Finding{}
	add := func(key string, f *bianque.Finding) *bianque.Finding {
		if old, ok := byKey[key]; ok {
			return old
		}
		byKey[key] = f
		res.Findings = append(res.Findings, f)
		return f
	}
	for _, h := range run.Hosts {
		ip := ""
		for _, a := range h.Addresses {
			if a.Type == "ipv4" || (ip == "" && a.Type == "ipv6") {
				ip = a.Addr
			}
		}
		host := ip
		for _, hn := range h.Hostnames {
			if hn.Type == "PTR" {
				host = hn.Name
				break
			}
		}
		osHint := ""
		if len(h.OS) > 0 {
			osHint = fmt.Sprintf("Host OS: %s (accuracy %s%%)\n", h.OS[0].Name, h.OS[0].Accuracy)
		}
		for _, p := range h.Ports {
			if p.State.State != "open" {
				continue
			}
			port, _ := strconv.Atoi(p.PortID)
			loc := bianque.Location{Protocol: p.Protocol, Host: host, Port: port}
			desc := fmt.Sprintf("IP address: %s\n", ip)
			if host != ip {
				desc += "FQDN: " + host + "\n"
			}
			desc += osHint
			svc, product, version, evidence := "", "", "", ""
			if s := p.Service; s != nil {
				svc, product, version = s.Name, s.Product, s.Version
				evidence = strings.TrimSpace(strings.Join([]string{s.Product, s.Version, s.ExtraInfo}, " "))
				if evidence != "" {
					desc += "Service: " + evidence + "\n"
				}
			}
			for _, sc := range p.Scripts {
				if sc.ID == "vulners" {
					nmapVulners(sc, loc, svc, add)
				}
			}
			f := add("port:"+p.PortID, &bianque.Finding{
				Title:    fmt.Sprintf("Open port: %d/%s", port, p.Protocol),
				Severity: bianque.VulnInfo, Service: svc, Component: strings.ToLower(product), ComponentVersion: version,
				Description: desc, Evidence: evidence, Solution: "Close the port or restrict who can reach it if the service is not needed.",
			})
			f.Locations = append(f.Locations, loc)
		}
	}
	return res, nil
}

// nmapVulners turns the tables of the vulners script (one table per CPE, one
// sub-table per vulnerability with id, type, cvss, is_exploit) into findings.
func nmapVulners(sc nmapScript, loc bianque.Location, svc string, add func(string, *bianque.Finding) *bianque.Finding) {
	for _, comp := range sc.Tables {
		product, version := cpeProduct(comp.Key)
		for _, v := range comp.Tables {
			attrs := map[string]string{}
			for _, e := range v.Elems {
				attrs[strings.ToLower(e.Key)] = strings.TrimSpace(e.Value)
			}
			id := attrs["id"]
			if id == "" {
				continue
			}
			score := atof(attrs["cvss"])
			nf := &bianque.Finding{
				Title: id, PluginID: id, Severity: bianque.SeverityFromCVSS(score), CVSSScore: score,
				Component: product, ComponentVersion: version, Service: svc,
				PublicExploit: attrs["is_exploit"] == "true",
				Description:   fmt.Sprintf("%s (%s) reported by the vulners script for %s", id, attrs["type"], comp.Key),
				References:    []string{"https://vulners.com/" + attrs["type"] + "/" + id},
			}
			if attrs["type"] == "cve" {
				nf.CVEs = []string{id}
			}
			f := add("vulners:"+id, nf)
			if f != nf {
				f.Count++
			} else {
				f.Count = 1
			}
			f.Locations = append(f.Locations, loc)
		}
	}
}
