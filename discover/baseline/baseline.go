// Package baseline learns what normal traffic of each device looks like and
// reports departures from it (R11.3): after a learning period per device, a
// new peer, a new protocol, a new port, a new internet destination, or a
// traffic volume far above the device's own history or the history of its
// peer group (devices of the same type). Anomalies become events for the
// threat flow. The learnt state is persisted through a Store.
//
// Time comes from a bianque.Clock: the learning period and the volume
// windows run on the clock of the process that observes the flows (the
// sensor), so replayed traffic can be tested with a fake clock.
package baseline

import (
	"context"
	"fmt"
	"math"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"bianque"
	"bianque/discover"
	"bianque/event"
)

// Config tunes learning and detection.
type Config struct {
	// Learning is how long a device's behaviour is learnt before
	// departures are reported (default 7 days).
	Learning time.Duration
	// Window is the volume accounting period (default 1 hour).
	Window time.Duration
	// VolumeFactor: a window's bytes above VolumeFactor × the device's
	// mean window (and above mean + 4 standard deviations) is a spike
	// (default 10).
	VolumeFactor float64
	// GroupFactor: a window's bytes above GroupFactor × the median mean of
	// the device's peer group is reported too (default 20).
	GroupFactor float64
	// MinVolume ignores windows smaller than this many bytes (default 1 MB).
	MinVolume uint64
	// MinWindows is the number of learnt windows needed before volume is
	// judged (default 24).
	MinWindows int
	// MaxItems bounds the peers, ports, protocols and destinations kept per
	// device (default 4096); beyond it new items are counted, not kept.
	MaxItems int
}

func (c *Config) defaults() {
	if c.Learning <= 0 {
		c.Learning = 7 * 24 * time.Hour
	}
	if c.Window <= 0 {
		c.Window = time.Hour
	}
	if c.VolumeFactor <= 0 {
		c.VolumeFactor = 10
	}
	if c.GroupFactor <= 0 {
		c.GroupFactor = 20
	}
	if c.MinVolume == 0 {
		c.MinVolume = 1 << 20
	}
	if c.MinWindows <= 0 {
		c.MinWindows = 24
	}
	if c.MaxItems <= 0 {
		c.MaxItems = 4096
	}
}

// Anomaly kinds.
const (
	NewPeer        = "new_peer"
	NewProtocol    = "new_protocol"
	NewPort        = "new_port"
	NewInternet    = "new_internet_destination"
	VolumeSpike    = "volume_spike"
	VolumePeerSize = "volume_above_peer_group"
)

// Anomaly is one departure from a device's learnt behaviour.
type Anomaly struct {
	Kind       string            `json:"kind"`
	Device     string            `json:"device"`
	DeviceType string            `json:"device_type,omitempty"`
	Peer       string            `json:"peer,omitempty"`
	Detail     string            `json:"detail"`
	Severity   int               `json:"severity"` // 1 low – 4 critical (medical and life-supporting devices rank higher)
	Time       time.Time         `json:"time"`
	Flow       *discover.FlowKey `json:"flow,omitempty"`
}

// Stats is a running mean and variance (Welford) of window volumes.
type Stats struct {
	N    int     `json:"n"`
	Mean float64 `json:"mean"`
	M2   float64 `json:"m2"`
	Max  float64 `json:"max"`
}

func (s *Stats) add(x float64) {
	s.N++
	d := x - s.Mean
	s.Mean += d / float64(s.N)
	s.M2 += d * (x - s.Mean)
	s.Max = math.Max(s.Max, x)
}

func (s *Stats) stddev() float64 {
	if s.N < 2 {
		return 0
	}
	return math.Sqrt(s.M2 / float64(s.N-1))
}

// Profile is what was learnt about one device.
type Profile struct {
	Device      string          `json:"device"`
	DeviceType  string          `json:"device_type,omitempty"`
	Medical     bool            `json:"medical,omitempty"`
	FirstSeen   time.Time       `json:"first_seen"`
	LearnUntil  time.Time       `json:"learn_until"`
	Peers       map[string]bool `json:"peers"`
	Protocols   map[string]bool `json:"protocols"`
	Ports       map[string]bool `json:"ports"`
	Internet    map[string]bool `json:"internet"`
	Dropped     int             `json:"dropped,omitempty"` // items beyond MaxItems
	Volume      Stats           `json:"volume"`
	WindowStart time.Time       `json:"window_start"`
	WindowBytes uint64          `json:"window_bytes"`
}

func (p *Profile) learning(now time.Time) bool { return now.Before(p.LearnUntil) }

// State is the persisted learning state of every device.
type State struct {
	Version  int                 `json:"version"`
	Profiles map[string]*Profile `json:"profiles"`
}

// Store persists the learning state.
type Store interface {
	Load(ctx context.Context) (*State, error)
	Save(ctx context.Context, s *State) error
}

// Detector learns profiles and reports anomalies. It is safe for
// concurrent use.
type Detector struct {
	mu    sync.Mutex
	cfg   Config
	clock bianque.Clock
	store Store
	state *State
}

// New loads the state from store (nil: in memory only).
func New(ctx context.Context, cfg Config, clock bianque.Clock, store Store) (*Detector, error) {
	cfg.defaults()
	d := &Detector{cfg: cfg, clock: clock, store: store, state: &State{Version: 1, Profiles: map[string]*Profile{}}}
	if store != nil {
		s, err := store.Load(ctx)
		if err != nil {
			return nil, fmt.Errorf("load baseline: %w", err)
		}
		if s != nil {
			if s.Profiles == nil {
				s.Profiles = map[string]*Profile{}
			}
			d.state = s
		}
	}
	return d, nil
}

// Save persists the state.
func (d *Detector) Save(ctx context.Context) error {
	if d.store == nil {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.store.Save(ctx, d.state); err != nil {
		return fmt.Errorf("save baseline: %w", err)
	}
	return nil
}

// Profile returns a copy of a device's profile.
func (d *Detector) Profile(device string) (Profile, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	p, ok := d.state.Profiles[device]
	if !ok {
		return Profile{}, false
	}
	return *p, true
}

func (d *Detector) profile(device string, now time.Time) *Profile {
	p := d.state.Profiles[device]
	if p == nil {
		p = &Profile{Device: device, FirstSeen: now, LearnUntil: now.Add(d.cfg.Learning),
			Peers: map[string]bool{}, Protocols: map[string]bool{}, Ports: map[string]bool{}, Internet: map[string]bool{},
			WindowStart: now.Truncate(d.cfg.Window)}
		d.state.Profiles[device] = p
	}
	return p
}

// DeviceInfo gives the detector what it knows of devices (type, clinical
// profile) for peer groups and severity.
type DeviceInfo struct {
	Type    string
	Medical bool
}

// Observe checks a batch of flow summaries (with traffic counted since the
// previous batch) against the profiles, learns from them, and returns the
// anomalies. devices maps IP addresses to what classification said.
func (d *Detector) Observe(flows []discover.Flow, devices map[string]DeviceInfo) []Anomaly {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.clock.Now()
	var out []Anomaly
	// Close volume windows that ended before now, for every device.
	out = append(out, d.closeWindows(now)...)
	for i := range flows {
		f := &flows[i]
		for _, side := range []struct {
			dev, peer string
			client    bool
		}{{f.Client, f.Server, true}, {f.Server, f.Client, false}} {
			if !deviceAddress(side.dev) {
				continue
			}
			p := d.profile(side.dev, now)
			if info, ok := devices[side.dev]; ok {
				p.DeviceType, p.Medical = info.Type, info.Medical
			}
			out = append(out, d.observe(p, f, side.peer, side.client, now)...)
		}
	}
	slices.SortStableFunc(out, func(a, b Anomaly) int { return strings.Compare(a.Device+a.Kind, b.Device+b.Kind) })
	return out
}

// deviceAddress: group, broadcast and unspecified addresses have no
// behaviour of their own.
func deviceAddress(s string) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && !a.IsMulticast() && !a.IsUnspecified() && a != netip.AddrFrom4([4]byte{255, 255, 255, 255})
}

func (d *Detector) observe(p *Profile, f *discover.Flow, peer string, client bool, now time.Time) []Anomaly {
	var out []Anomaly
	learning := p.learning(now)
	key := f.Key()
	report := func(kind, peer, detail string) {
		if learning {
			return
		}
		out = append(out, Anomaly{Kind: kind, Device: p.Device, DeviceType: p.DeviceType, Peer: peer, Detail: detail,
			Severity: d.severity(p, kind), Time: now, Flow: &key})
	}
	add := func(m map[string]bool, item string) bool {
		if m[item] {
			return false
		}
		if len(m) >= d.cfg.MaxItems {
			p.Dropped++
			return true
		}
		m[item] = true
		return true
	}
	if deviceAddress(peer) && add(p.Peers, peer) {
		report(NewPeer, peer, "first traffic with "+peer)
	}
	for _, a := range f.App {
		if add(p.Protocols, a) {
			report(NewProtocol, peer, "first use of "+a)
		}
	}
	role := "to"
	if !client {
		role = "on"
	}
	port := role + " " + f.Transport + "/" + strconv.Itoa(f.Port)
	if add(p.Ports, port) {
		report(NewPort, peer, "first traffic "+port)
	}
	if client && f.Internet {
		dest := f.Server
		if f.ServerName != "" {
			dest = f.ServerName
		}
		if add(p.Internet, dest) {
			report(NewInternet, f.Server, "first connection to internet destination "+dest)
		}
	}
	p.WindowBytes += f.Bytes
	return out
}

// closeWindows ends the volume windows that are over and judges them.
func (d *Detector) closeWindows(now time.Time) []Anomaly {
	var out []Anomaly
	cur := now.Truncate(d.cfg.Window)
	// Peer group reference: the median of members' mean window volumes,
	// from members with enough history.
	groups := map[string][]float64{}
	for _, p := range d.state.Profiles {
		if p.DeviceType != "" && p.Volume.N >= d.cfg.MinWindows {
			groups[p.DeviceType] = append(groups[p.DeviceType], p.Volume.Mean)
		}
	}
	medians := map[string]float64{}
	for t, ms := range groups {
		if len(ms) >= 3 {
			sort.Float64s(ms)
			medians[t] = ms[len(ms)/2]
		}
	}
	keys := make([]string, 0, len(d.state.Profiles))
	for k := range d.state.Profiles {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		p := d.state.Profiles[k]
		for p.WindowStart.Before(cur) {
			x := float64(p.WindowBytes)
			if !p.WindowStart.Before(p.LearnUntil) && p.WindowBytes >= d.cfg.MinVolume {
				s := p.Volume
				if s.N >= d.cfg.MinWindows && x > d.cfg.VolumeFactor*s.Mean && x > s.Mean+4*s.stddev() {
					out = append(out, Anomaly{Kind: VolumeSpike, Device: p.Device, DeviceType: p.DeviceType,
						Detail: fmt.Sprintf("%d bytes in %s from %s, %.0f× its mean of %.0f", p.WindowBytes, d.cfg.Window,
							p.WindowStart.Format(time.RFC3339), x/math.Max(s.Mean, 1), s.Mean),
						Severity: d.severity(p, VolumeSpike), Time: now})
				} else if m, ok := medians[p.DeviceType]; ok && x > d.cfg.GroupFactor*m {
					out = append(out, Anomaly{Kind: VolumePeerSize, Device: p.Device, DeviceType: p.DeviceType,
						Detail: fmt.Sprintf("%d bytes in %s, %.0f× the median of %s devices (%.0f)", p.WindowBytes,
							d.cfg.Window, x/math.Max(m, 1), p.DeviceType, m),
						Severity: d.severity(p, VolumePeerSize), Time: now})
				}
			}
			p.Volume.add(x)
			p.WindowBytes = 0
			p.WindowStart = p.WindowStart.Add(d.cfg.Window)
			if cur.Sub(p.WindowStart) > 30*24*time.Hour {
				// Long silence: account the idle windows at once.
				idle := int(cur.Sub(p.WindowStart) / d.cfg.Window)
				for range min(idle, 24*30) {
					p.Volume.add(0)
				}
				p.WindowStart = cur
			}
		}
	}
	return out
}

// Flush closes the volume windows that ended by now and returns their anomalies.
func (d *Detector) Flush() []Anomaly {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.closeWindows(d.clock.Now())
}

func (d *Detector) severity(p *Profile, kind string) int {
	s := 2
	switch kind {
	case NewInternet, VolumeSpike:
		s = 3
	}
	if p.Medical && s < 4 {
		s++
	}
	return s
}

// Event turns an anomaly into an ECS event for the detection and alert
// pipeline.
func (a Anomaly) Event() *event.Event {
	e := event.New(16)
	e.SetTimestamp(a.Time)
	e.SetString(event.EventKind, "alert")
	e.Set(event.EventCategory, []string{"network"})
	e.Set(event.EventType, []string{"info"})
	e.SetString(event.EventAction, "discover-"+strings.ReplaceAll(a.Kind, "_", "-"))
	e.SetString(event.EventProvider, "bianque-discover")
	e.SetString(event.EventDataset, "discover.anomaly")
	e.Set(event.EventSeverity, int64(a.Severity))
	e.SetString(event.Message, a.Detail)
	e.SetString(event.SourceIP, a.Device)
	e.SetString(event.HostIP, a.Device)
	if a.Peer != "" {
		e.SetString(event.DestinationIP, a.Peer)
		e.Set(event.RelatedIP, []string{a.Device, a.Peer})
	}
	if a.Flow != nil {
		e.SetString(event.NetworkTransport, a.Flow.Transport)
		if a.Flow.Port > 0 {
			e.Set(event.DestinationPort, int64(a.Flow.Port))
		}
	}
	e.SetString(event.RuleName, "discover baseline: "+a.Kind)
	if a.DeviceType != "" {
		e.SetString("device.type", a.DeviceType)
	}
	return e
}
