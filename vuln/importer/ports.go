package importer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"bianque"
)

// Port scanners and credential testers.
//
// masscan JSON (-oJ) and naabu JSON lines (-json): one info finding per open
// host, port and protocol ("Open port: 80/tcp on 172.29.0.3"); a port listed
// twice is one finding.
//
// hydra JSON (-b jsonv1): one high finding per cracked login on a host,
// port and service. The password is not copied into the finding: a finding is
// read by many people, the credential is for the owner to rotate.
func init() {
	register(&Format{
		Name: "masscan-json", Scanner: "masscan",
		Detect: func(head []byte, name string) int {
			if firstJSONByte(head) == '[' && hasAll(head, `"ip"`, `"ports"`) && (bytes.Contains(head, []byte(`"reason"`)) || bytes.Contains(head, []byte(`"status"`))) {
				return 90
			}
			return 0
		},
		Parse: parseMasscan,
	})
	register(&Format{
		Name: "naabu-json", Scanner: "naabu",
		Detect: func(head []byte, name string) int {
			if firstJSONByte(head) == '{' && hasAll(head, `"ip"`, `"port"`) && !bytes.Contains(head, []byte(`"template`)) && !bytes.Contains(head, []byte(`"ports"`)) &&
				(bytes.Contains(head, []byte(`"protocol"`)) || bytes.Contains(head, []byte(`"tls"`))) {
				return 70
			}
			return 0
		},
		Parse: parseNaabu,
	})
	register(&Format{
		Name: "hydra-json", Scanner: "hydra",
		Detect: func(head []byte, name string) int {
			if firstJSONByte(head) == '{' && hasAll(head, `"generator"`, `"results"`) && bytes.Contains(bytes.ToLower(head), []byte("hydra")) {
				return 95
			}
			return 0
		},
		Parse: parseHydra,
	})
}

type openPorts struct {
	res  *Result
	seen map[string]bool
}

func (o *openPorts) add(ip, proto string, port int, desc string) {
	key := fmt.Sprintf("%s/%s/%d", ip, proto, port)
	if o.seen[key] {
		return
	}
	o.seen[key] = true
	o.res.Findings = append(o.res.Findings, &bianque.Finding{
		Title:       fmt.Sprintf("Open port: %d/%s on %s", port, proto, ip),
		Severity:    bianque.VulnInfo,
		Description: desc,
		Locations:   []bianque.Location{{Host: ip, Port: port, Protocol: proto}},
		Solution:    "Close the port or restrict who can reach it if the service is not needed.",
	})
}

func parseMasscan(data []byte) (*Result, error) {
	// masscan writes a trailing comma before "]" in some versions; tolerate it.
	t := bytes.TrimSpace(data)
	if bytes.HasSuffix(t, []byte(",\n]")) || bytes.HasSuffix(t, []byte(",]")) {
		t = append(bytes.TrimRight(bytes.TrimSuffix(t, []byte("]")), ",\n \t"), ']')
	}
	var hosts []struct {
		IP    string `json:"ip"`
		Ports []struct {
			Port   int    `json:"port"`
			Proto  string `json:"proto"`
			Status string `json:"status"`
			Reason string `json:"reason"`
			TTL    int    `json:"ttl"`
		} `json:"ports"`
	}
	if len(t) > 0 {
		if err := json.Unmarshal(t, &hosts); err != nil {
			return nil, fmt.Errorf("decode masscan JSON: %w", err)
		}
	}
	res := &Result{}
	o := &openPorts{res: res, seen: map[string]bool{}}
	for _, h := range hosts {
		for _, p := range h.Ports {
			if p.Status != "" && p.Status != "open" {
				continue
			}
			desc := fmt.Sprintf("**Host:** %s\n**Port:** %d/%s\n**Reason:** %s\n**TTL:** %d\n", h.IP, p.Port, p.Proto, p.Reason, p.TTL)
			o.add(h.IP, p.Proto, p.Port, desc)
		}
	}
	return res, nil
}

func parseNaabu(data []byte) (*Result, error) {
	items, err := jsonLines(data)
	if err != nil {
		return nil, err
	}
	res := &Result{}
	o := &openPorts{res: res, seen: map[string]bool{}}
	for i, raw := range items {
		var it struct {
			IP       string `json:"ip"`
			Host     string `json:"host"`
			Port     any    `json:"port"`
			Protocol string `json:"protocol"`
			TLS      bool   `json:"tls"`
		}
		if err := json.Unmarshal(raw, &it); err != nil {
			res.Skipped = append(res.Skipped, fmt.Sprintf("line %d: %v", i+1, err))
			continue
		}
		port := 0
		switch p := it.Port.(type) {
		case float64:
			port = int(p)
		case map[string]any: // naabu ≥2.3: {"Port":80,"Protocol":6,"TLS":false}
			if n, ok := p["Port"].(float64); ok {
				port = int(n)
			}
		case string:
			port = atoi(p)
		}
		ip := it.IP
		if ip == "" {
			ip = it.Host
		}
		if ip == "" || port == 0 {
			res.Skipped = append(res.Skipped, fmt.Sprintf("line %d: no ip or port", i+1))
			continue
		}
		proto := strings.ToLower(it.Protocol)
		if proto == "" {
			proto = "tcp"
		}
		tls := "no"
		if it.TLS {
			tls = "yes"
		}
		desc := fmt.Sprintf("**Host:** %s\n**Port:** %d/%s\n**TLS:** %s\n", ip, port, proto, tls)
		o.add(ip, proto, port, desc)
	}
	return res, nil
}

func parseHydra(data []byte) (*Result, error) {
	var rep struct {
		Generator struct {
			Service string `json:"service"`
			Server  string `json:"server"`
		} `json:"generator"`
		Results []struct {
			Host    string `json:"host"`
			Login   string `json:"login"`
			Port    int    `json:"port"`
			Service string `json:"service"`
		} `json:"results"`
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		return nil, fmt.Errorf("decode hydra JSON: %w", err)
	}
	res := &Result{}
	seen := map[string]bool{}
	for _, r := range rep.Results {
		key := fmt.Sprintf("%s|%d|%s|%s", r.Host, r.Port, r.Service, r.Login)
		if seen[key] {
			continue
		}
		seen[key] = true
		res.Findings = append(res.Findings, &bianque.Finding{
			Title:       fmt.Sprintf("Weak credentials on %s: login %s", r.Service, r.Login),
			Severity:    bianque.VulnHigh,
			PluginID:    "weak-credential",
			Service:     r.Service,
			CWEs:        []int{521},
			Description: fmt.Sprintf("**Host:** %s\n**Port:** %d\n**Service:** %s\n**Login:** %s\nhydra guessed the password of this account.", r.Host, r.Port, r.Service, r.Login),
			Solution:    "Change the password of the account to a strong one, and enable lockout or rate limiting on the service.",
			Evidence:    "login " + r.Login,
			Locations:   []bianque.Location{{Host: r.Host, Port: r.Port}},
		})
	}
	return res, nil
}
