// Package logsource assigns Sigma log sources (product / category /
// service) to events and maps Sigma field names onto event keys, through
// declarative tables kept as data (windows.yml, ecs.yml, embedded; extended
// at run time with Extend).
//
// Three event shapes are understood:
//   - raw Windows events, {"Event":{"System":{...},"EventData":{...}}} as
//     exported from EVTX (keys "Event.System.EventID", "Event.EventData.Image");
//   - Winlogbeat / Elastic Agent ECS documents of Windows events (winlog.*);
//   - any other ECS event, classified by its event.* / host.* / observer.* keys.
//
// An event's Class bundles its log source and the field resolution for it;
// classes are computed once per distinct shape and cached, so resolving a
// field costs a slice lookup on the hot path.
package logsource

import (
	_ "embed"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"bianque/detect/sigma"
	"bianque/event"

	"gopkg.in/yaml.v3"
)

//go:embed windows.yml
var windowsYAML []byte

//go:embed ecs.yml
var ecsYAML []byte

// Format is the shape of an event.
type Format uint8

// Event shapes.
const (
	FormatECS     Format = iota // plain ECS
	FormatWinlog                // ECS with winlog.* (Winlogbeat, Elastic Agent)
	FormatWindows               // raw Windows event JSON (Event.System / Event.EventData)
)

func (f Format) String() string {
	return [...]string{"ecs", "winlog", "windows"}[f]
}

// Raw Windows key prefixes, after the event package flattens the JSON.
const (
	rawSystem    = "Event.System."
	rawEventData = "Event.EventData."
	rawUserData  = "Event.UserData."
)

// Config is the data of the tables, as read from YAML. It is what
// windows.yml and ecs.yml hold and what Extend accepts.
type Config struct {
	Windows WindowsConfig `yaml:"windows"`
	ECS     ECSConfig     `yaml:"ecs"`
}

// WindowsConfig maps Windows channels and event IDs to log sources.
type WindowsConfig struct {
	SystemFields map[string]SystemField `yaml:"system_fields"`
	Services     map[string][]string    `yaml:"services"`
	Categories   []WindowsCategory      `yaml:"categories"`
}

// SystemField says where a Sigma field of the System element is found.
type SystemField struct {
	Raw string   `yaml:"raw"`
	ECS []string `yaml:"ecs"`
}

// WindowsCategory assigns a category to events of a service and event IDs.
type WindowsCategory struct {
	Category string              `yaml:"category"`
	Service  string              `yaml:"service"`
	EventIDs []int               `yaml:"event_ids"`
	Where    map[string][]string `yaml:"where"`
	Fields   map[string]string   `yaml:"fields"`
}

// ECSConfig classifies ECS events and maps Sigma fields to ECS keys.
type ECSConfig struct {
	Classify []ECSClassifier                `yaml:"classify"`
	Fields   map[string]map[string][]string `yaml:"fields"`
}

// ECSClassifier adds log source attributes to events matching When.
type ECSClassifier struct {
	Product  string              `yaml:"product"`
	Category string              `yaml:"category"`
	Service  string              `yaml:"service"`
	When     map[string][]string `yaml:"when"`
}

// Mapping is a loaded set of tables. It is safe for concurrent use.
type Mapping struct {
	cfg Config

	// Windows lookups: channel (as given and lower-cased) -> services (one
	// channel may carry two names, e.g. SigmaHQ rules and thor.yml disagree
	// on the Service Bus one); service -> event ID -> categories.
	chanService map[string][]string
	catIndex    map[string]map[string][]int // service -> event id -> indices in cfg.Windows.Categories
	classifiers []classifier

	mu      sync.RWMutex
	classes map[string]*Class
	byID    []*Class
}

type classifier struct {
	ECSClassifier
	keys   []string
	values [][]string // lower-cased; nil means "present"
}

// Default returns the built-in tables.
func Default() *Mapping {
	m, err := New(nil)
	if err != nil {
		panic("logsource: built-in tables are invalid: " + err.Error())
	}
	return m
}

// New returns the built-in tables extended by each extra config (YAML in
// the Config layout; entries are added, and a category's field table or a
// service's channel list replaces the built-in one of the same name).
func New(extra ...[]byte) (*Mapping, error) {
	var win struct {
		SystemFields map[string]SystemField `yaml:"system_fields"`
		Services     map[string][]string    `yaml:"services"`
		Categories   []WindowsCategory      `yaml:"categories"`
	}
	if err := yaml.Unmarshal(windowsYAML, &win); err != nil {
		return nil, fmt.Errorf("windows.yml: %w", err)
	}
	var ecs ECSConfig
	if err := yaml.Unmarshal(ecsYAML, &ecs); err != nil {
		return nil, fmt.Errorf("ecs.yml: %w", err)
	}
	cfg := Config{Windows: WindowsConfig(win), ECS: ecs}
	for i, b := range extra {
		if len(b) == 0 {
			continue
		}
		var more Config
		if err := yaml.Unmarshal(b, &more); err != nil {
			return nil, fmt.Errorf("mapping config %d: %w", i+1, err)
		}
		cfg.merge(more)
	}
	return compile(cfg)
}

func (c *Config) merge(o Config) {
	for k, v := range o.Windows.SystemFields {
		c.Windows.SystemFields[k] = v
	}
	for k, v := range o.Windows.Services {
		c.Windows.Services[k] = v
	}
	// Added categories come first so their field renames win.
	c.Windows.Categories = append(slices.Clone(o.Windows.Categories), c.Windows.Categories...)
	c.ECS.Classify = append(c.ECS.Classify, o.ECS.Classify...)
	for cat, fields := range o.ECS.Fields {
		if c.ECS.Fields[cat] == nil {
			c.ECS.Fields[cat] = map[string][]string{}
		}
		for k, v := range fields {
			c.ECS.Fields[cat][k] = v
		}
	}
}

func compile(cfg Config) (*Mapping, error) {
	if cfg.Windows.SystemFields == nil {
		cfg.Windows.SystemFields = map[string]SystemField{}
	}
	if cfg.ECS.Fields == nil {
		cfg.ECS.Fields = map[string]map[string][]string{}
	}
	m := &Mapping{
		cfg:         cfg,
		chanService: map[string][]string{},
		catIndex:    map[string]map[string][]int{},
		classes:     map[string]*Class{},
	}
	svcNames := make([]string, 0, len(cfg.Windows.Services))
	for svc := range cfg.Windows.Services {
		svcNames = append(svcNames, svc)
	}
	sort.Strings(svcNames)
	for _, svc := range svcNames {
		for _, ch := range cfg.Windows.Services[svc] {
			for _, k := range []string{ch, strings.ToLower(ch)} {
				if !slices.Contains(m.chanService[k], svc) {
					m.chanService[k] = append(m.chanService[k], svc)
				}
			}
		}
	}
	for i, c := range cfg.Windows.Categories {
		if c.Category == "" || c.Service == "" || len(c.EventIDs) == 0 {
			return nil, fmt.Errorf("windows category %d needs category, service and event_ids", i+1)
		}
		if _, ok := cfg.Windows.Services[c.Service]; !ok {
			return nil, fmt.Errorf("windows category %q: unknown service %q", c.Category, c.Service)
		}
		if m.catIndex[c.Service] == nil {
			m.catIndex[c.Service] = map[string][]int{}
		}
		for _, id := range c.EventIDs {
			k := strconv.Itoa(id)
			m.catIndex[c.Service][k] = append(m.catIndex[c.Service][k], i)
		}
	}
	for i, c := range cfg.ECS.Classify {
		if c.Product == "" && c.Category == "" && c.Service == "" {
			return nil, fmt.Errorf("ecs classify entry %d sets no product, category or service", i+1)
		}
		if len(c.When) == 0 {
			return nil, fmt.Errorf("ecs classify entry %d has no condition", i+1)
		}
		cl := classifier{ECSClassifier: c}
		keys := make([]string, 0, len(c.When))
		for k := range c.When {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			cl.keys = append(cl.keys, k)
			vals := c.When[k]
			if len(vals) == 1 && vals[0] == "*" {
				cl.values = append(cl.values, nil)
				continue
			}
			low := make([]string, len(vals))
			for j, v := range vals {
				low[j] = strings.ToLower(v)
			}
			cl.values = append(cl.values, low)
		}
		m.classifiers = append(m.classifiers, cl)
	}
	return m, nil
}

// Config returns a copy of the tables.
func (m *Mapping) Config() Config { return m.cfg }

// Class is the log source of a family of events and how to read Sigma
// fields from them. Classes are immutable and shared.
type Class struct {
	// ID is dense (0, 1, 2, ...) within one Mapping.
	ID         int
	Key        string
	Format     Format
	Products   []string
	Categories []string
	Services   []string

	m       *Mapping
	renames map[string]string // Sigma field -> event's field name (Windows categories)
	ecsCats []string          // categories whose ECS field tables apply, then "*"

	mu   sync.Mutex
	keys map[string][]string
}

// Applies reports whether a rule on ls reads events of this class.
func (c *Class) Applies(ls sigma.LogSource) bool {
	return (ls.Product == "" || slices.Contains(c.Products, ls.Product)) &&
		(ls.Category == "" || slices.Contains(c.Categories, ls.Category)) &&
		(ls.Service == "" || slices.Contains(c.Services, ls.Service))
}

// String describes the class.
func (c *Class) String() string { return c.Key }

// Keys returns the event keys that may hold the Sigma field, in order of
// preference; the first one present in an event is the field's value.
func (c *Class) Keys(field string) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if k, ok := c.keys[field]; ok {
		return k
	}
	k := c.resolve(field)
	if c.keys == nil {
		c.keys = map[string][]string{}
	}
	c.keys[field] = k
	return k
}

func (c *Class) resolve(field string) []string {
	var out []string
	add := func(k ...string) {
		for _, x := range k {
			if x != "" && !slices.Contains(out, x) {
				out = append(out, x)
			}
		}
	}
	name := field
	if r, ok := c.renames[field]; ok {
		name = r
	}
	sys, isSys := c.m.cfg.Windows.SystemFields[name]
	switch c.Format {
	case FormatWindows:
		if isSys {
			add(rawSystem + sys.Raw)
		}
		add(rawEventData+name, rawUserData+name)
		if name != field {
			add(rawEventData+field, rawUserData+field)
		}
		if !isSys {
			if sys, ok := c.m.cfg.Windows.SystemFields[field]; ok {
				add(rawSystem + sys.Raw)
			}
		}
		return out
	case FormatWinlog:
		if isSys {
			add(sys.ECS...)
		}
		add("winlog.event_data."+name, "winlog.user_data."+name)
		if name != field {
			add("winlog.event_data."+field, "winlog.user_data."+field)
		}
	}
	for _, cat := range c.ecsCats {
		add(c.m.cfg.ECS.Fields[cat][field]...)
	}
	add(c.m.cfg.ECS.Fields["*"][field]...)
	add(field)
	return out
}

// Classify returns the class of an event.
func (m *Mapping) Classify(ev *event.Event) *Class {
	if ch, ok := ev.String(rawSystem + "Channel"); ok {
		eid, _ := ev.String(rawSystem + "EventID")
		return m.windowsClass(FormatWindows, ch, eid, ev, rawEventData)
	}
	if ch, ok := ev.String("winlog.channel"); ok {
		eid, ok := ev.String("winlog.event_id")
		if !ok {
			eid, _ = ev.String("event.code")
		}
		return m.windowsClass(FormatWinlog, ch, eid, ev, "winlog.event_data.")
	}
	return m.ecsClass(ev)
}

// windowsClass classifies a Windows event by channel, event ID and the
// where-conditions of the categories that apply.
func (m *Mapping) windowsClass(f Format, channel, eid string, ev *event.Event, dataPrefix string) *Class {
	svcs, ok := m.chanService[channel]
	if !ok {
		svcs = m.chanService[strings.ToLower(channel)]
	}
	var cats []int
	var catBuf [8]int
	cats = catBuf[:0]
	for _, s := range svcs {
		if c := m.catIndex[s][eid]; len(c) > 0 {
			cats = append(cats, c...)
		}
	}
	var mask uint64
	for bit, ci := range cats {
		if bit >= 64 {
			break
		}
		if m.whereHolds(m.cfg.Windows.Categories[ci].Where, ev, dataPrefix) {
			mask |= 1 << bit
		}
	}
	// Cache key: format, service and the categories that hold. Events with
	// the same key share everything the class holds.
	var kb [96]byte
	key := append(kb[:0], byte('0'+f), '|')
	for _, s := range svcs {
		key = append(key, s...)
		key = append(key, ',')
	}
	key = append(key, '|')
	if len(cats) > 0 {
		key = append(key, eid...)
		key = append(key, '|')
		key = strconv.AppendUint(key, mask, 16)
	}
	if c := m.cached(key); c != nil {
		return c
	}
	c := &Class{Format: f, Products: []string{"windows"}, Services: slices.Clone(svcs)}
	c.renames = map[string]string{}
	for bit, ci := range cats {
		if bit < 64 && mask&(1<<bit) != 0 {
			wc := m.cfg.Windows.Categories[ci]
			if !slices.Contains(c.Categories, wc.Category) {
				c.Categories = append(c.Categories, wc.Category)
			}
			for k, v := range wc.Fields {
				if _, set := c.renames[k]; !set {
					c.renames[k] = v
				}
			}
		}
	}
	c.ecsCats = c.Categories
	return m.store(string(key), c)
}

func (m *Mapping) whereHolds(where map[string][]string, ev *event.Event, prefix string) bool {
	for k, vals := range where {
		v, ok := ev.String(prefix + k)
		if !ok {
			return false
		}
		if !slices.ContainsFunc(vals, func(x string) bool { return strings.EqualFold(x, v) }) {
			return false
		}
	}
	return true
}

func (m *Mapping) ecsClass(ev *event.Event) *Class {
	var mask [4]uint64
	var kb [64]byte
	key := append(kb[:0], byte('0'+FormatECS), '|')
	for i, cl := range m.classifiers {
		if i >= 256 {
			break
		}
		if cl.holds(ev) {
			mask[i/64] |= 1 << (i % 64)
		}
	}
	for _, w := range mask {
		key = strconv.AppendUint(key, w, 16)
		key = append(key, '.')
	}
	if c := m.cached(key); c != nil {
		return c
	}
	c := &Class{Format: FormatECS}
	for i, cl := range m.classifiers {
		if i >= 256 || mask[i/64]&(1<<(i%64)) == 0 {
			continue
		}
		if cl.Product != "" && !slices.Contains(c.Products, cl.Product) {
			c.Products = append(c.Products, cl.Product)
		}
		if cl.Category != "" && !slices.Contains(c.Categories, cl.Category) {
			c.Categories = append(c.Categories, cl.Category)
		}
		if cl.Service != "" && !slices.Contains(c.Services, cl.Service) {
			c.Services = append(c.Services, cl.Service)
		}
	}
	c.ecsCats = c.Categories
	return m.store(string(key), c)
}

func (cl *classifier) holds(ev *event.Event) bool {
	for i, k := range cl.keys {
		v, ok := ev.Get(k)
		if !ok {
			return false
		}
		want := cl.values[i]
		if want == nil {
			continue
		}
		if !valueIn(v, want) {
			return false
		}
	}
	return true
}

func valueIn(v any, want []string) bool {
	switch x := v.(type) {
	case []string:
		for _, s := range x {
			if valueIn(s, want) {
				return true
			}
		}
		return false
	case []any:
		for _, s := range x {
			if valueIn(s, want) {
				return true
			}
		}
		return false
	}
	s, ok := event.Stringify(v)
	if !ok {
		return false
	}
	for _, w := range want {
		if strings.EqualFold(s, w) {
			return true
		}
	}
	return false
}

func (m *Mapping) cached(key []byte) *Class {
	m.mu.RLock()
	c := m.classes[string(key)]
	m.mu.RUnlock()
	return c
}

func (m *Mapping) store(key string, c *Class) *Class {
	m.mu.Lock()
	defer m.mu.Unlock()
	if old, ok := m.classes[key]; ok {
		return old
	}
	c.m = m
	c.Key = key
	c.ID = len(m.byID)
	sort.Strings(c.Categories)
	m.classes[key] = c
	m.byID = append(m.byID, c)
	return c
}

// Classes returns every class seen so far, by ID.
func (m *Mapping) Classes() []*Class {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return slices.Clone(m.byID)
}

// Timestamp returns the time of the event: @timestamp, or for raw Windows
// events System.TimeCreated.SystemTime.
func Timestamp(ev *event.Event) (time.Time, bool) {
	if t, ok := ev.Time(event.Timestamp); ok {
		return t, true
	}
	if s, ok := ev.String(rawSystem + "TimeCreated.SystemTime"); ok {
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// LiftUserData moves the fields of a raw Windows event's UserData element
// up one level: UserData holds one child element named after the event
// (Event.UserData.Operation_ClientFailure.Operation), and Sigma names the
// fields of that child directly (Operation). Call it on events decoded from
// raw Windows JSON before matching.
func LiftUserData(ev *event.Event) {
	var moves [][2]string
	ev.Range(func(k string, _ any) bool {
		if rest, ok := strings.CutPrefix(k, rawUserData); ok {
			if _, field, nested := strings.Cut(rest, "."); nested {
				moves = append(moves, [2]string{k, rawUserData + field})
			}
		}
		return true
	})
	for _, mv := range moves {
		if ev.Has(mv[1]) {
			continue
		}
		v, _ := ev.Get(mv[0])
		ev.Set(mv[1], v)
		ev.Delete(mv[0])
	}
}
