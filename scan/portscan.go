package scan

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// PortState is what a TCP connect attempt told about a port.
type PortState int

// Port states.
const (
	PortFiltered PortState = iota // no answer (timeout, unreachable)
	PortClosed                    // refused: the host is up, nothing listens
	PortOpen                      // the connection was accepted
)

// ParsePorts reads "22,80,443", "1-1024", "1-65535", "all" or "top" (the
// well-known service ports the signatures know plus the high-risk ports of
// R7.6) into a sorted list without duplicates.
func ParsePorts(spec string) ([]int, error) {
	spec = strings.TrimSpace(spec)
	switch spec {
	case "", "top":
		return append([]int(nil), TopPorts...), nil
	case "all", "-":
		spec = "1-65535"
	}
	seen := map[int]bool{}
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		lo, hi, isRange := strings.Cut(part, "-")
		a, err1 := strconv.Atoi(strings.TrimSpace(lo))
		b := a
		var err2 error
		if isRange {
			b, err2 = strconv.Atoi(strings.TrimSpace(hi))
		}
		if err1 != nil || err2 != nil || a < 1 || b > 65535 || a > b {
			return nil, fmt.Errorf("port %q must be a number or range within 1–65535", part)
		}
		for p := a; p <= b; p++ {
			seen[p] = true
		}
	}
	out := make([]int, 0, len(seen))
	for p := range seen {
		out = append(out, p)
	}
	sort.Ints(out)
	if len(out) == 0 {
		return nil, fmt.Errorf("no ports in %q", spec)
	}
	return out, nil
}

// TopPorts are scanned by default: common services, databases, remote access,
// and medical/clinical protocols (DICOM 104/11112, HL7 MLLP 2575).
var TopPorts = []int{
	21, 22, 23, 25, 53, 80, 81, 104, 110, 111, 135, 139, 143, 389, 443, 445, 465, 502, 512, 513, 514, 587, 631, 636,
	873, 993, 995, 1080, 1433, 1521, 1883, 2049, 2375, 2575, 3000, 3128, 3306, 3389, 4848, 5000, 5432, 5601, 5672,
	5900, 5901, 5984, 6379, 7001, 8000, 8008, 8080, 8081, 8443, 8888, 9000, 9090, 9200, 9300, 11112, 11211, 27017,
}

// PortResult is the outcome for one host.
type PortResult struct {
	Addr   netip.Addr
	Open   []int
	Closed int
	// Alive is set when any port answered (open or refused).
	Alive bool
}

// Progress is one progress report of a running scan.
type Progress struct {
	Phase   string `json:"phase"`
	Done    int64  `json:"done"`
	Total   int64  `json:"total"`
	Open    int64  `json:"open"`
	Elapsed string `json:"elapsed"`
}

// probePort makes one connect attempt.
func probePort(ctx context.Context, g *Guard, ip netip.Addr, port int) (PortState, error) {
	c, err := g.Dial(ctx, net.JoinHostPort(ip.String(), strconv.Itoa(port)))
	if err == nil {
		c.Close()
		return PortOpen, nil
	}
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return PortClosed, nil
	case errors.Is(err, ErrOutOfScope), errors.Is(err, ErrMedical), ctx.Err() != nil:
		return PortFiltered, err
	}
	return PortFiltered, nil
}

// ScanPorts connect-scans ports of every host with workers concurrent
// attempts. Hosts must have passed the guard (Scanner.Run checks the whole
// target list first); the guard still checks each dial. progress (may be
// nil) is called about every interval.
func ScanPorts(ctx context.Context, g *Guard, hosts []netip.Addr, ports []int, workers int, progress func(Progress), interval time.Duration) ([]*PortResult, error) {
	if workers <= 0 {
		workers = 512
	}
	results := make([]*PortResult, len(hosts))
	for i, h := range hosts {
		results[i] = &PortResult{Addr: h}
	}
	// Jobs are chunks of one host's ports; each worker connects a chunk at
	// once and polls it (connectBatch), so workers/chunk goroutines run.
	chunk := 256
	if !haveConnectBatch {
		chunk = 1
	}
	type job struct{ host, from, to int }
	pollers := max(1, workers/chunk)
	if !haveConnectBatch {
		pollers = workers
	}
	jobs := make(chan job, pollers)
	var mu sync.Mutex
	var done, open atomic.Int64
	total := int64(len(hosts) * len(ports))
	start := time.Now()
	var firstErr error
	var wg sync.WaitGroup
	for w := 0; w < pollers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				ip := hosts[j.host]
				if err := g.Check(ip); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					done.Add(int64(j.to - j.from))
					continue
				}
				g.noteOverride(ip)
				states, err := connectBatch(ctx, g, ip.Unmap(), ports[j.from:j.to], g.dialTimeout())
				done.Add(int64(j.to - j.from))
				if err != nil && ctx.Err() == nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
				}
				r := results[j.host]
				mu.Lock()
				for k, st := range states {
					switch st {
					case PortOpen:
						open.Add(1)
						r.Open = append(r.Open, ports[j.from+k])
						r.Alive = true
					case PortClosed:
						r.Closed++
						r.Alive = true
					}
				}
				mu.Unlock()
			}
		}()
	}
	stopProgress := make(chan struct{})
	var pwg sync.WaitGroup
	if progress != nil {
		if interval <= 0 {
			interval = time.Second
		}
		pwg.Add(1)
		go func() {
			defer pwg.Done()
			t := time.NewTicker(interval)
			defer t.Stop()
			for {
				select {
				case <-stopProgress:
					return
				case <-t.C:
					progress(Progress{Phase: "ports", Done: done.Load(), Total: total, Open: open.Load(), Elapsed: time.Since(start).Round(time.Millisecond).String()})
				}
			}
		}()
	}
feed:
	for hi := range hosts {
		for from := 0; from < len(ports); from += chunk {
			select {
			case jobs <- job{hi, from, min(from+chunk, len(ports))}:
			case <-ctx.Done():
				break feed
			}
		}
	}
	close(jobs)
	wg.Wait()
	close(stopProgress)
	pwg.Wait()
	if progress != nil {
		progress(Progress{Phase: "ports", Done: done.Load(), Total: total, Open: open.Load(), Elapsed: time.Since(start).Round(time.Millisecond).String()})
	}
	for _, r := range results {
		sort.Ints(r.Open)
	}
	if err := ctx.Err(); err != nil {
		return results, fmt.Errorf("port scan cancelled after %d of %d probes: %w", done.Load(), total, err)
	}
	return results, firstErr
}
