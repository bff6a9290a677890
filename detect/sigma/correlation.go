package sigma

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// CorrelationType is the kind of a correlation rule.
type CorrelationType string

// Correlation types: the four of the specification plus the value
// aggregations pySigma added (sum, average, percentile, median).
const (
	EventCount      CorrelationType = "event_count"
	ValueCount      CorrelationType = "value_count"
	Temporal        CorrelationType = "temporal"
	TemporalOrdered CorrelationType = "temporal_ordered"
	ValueSum        CorrelationType = "value_sum"
	ValueAvg        CorrelationType = "value_avg"
	ValuePercentile CorrelationType = "value_percentile"
	ValueMedian     CorrelationType = "value_median"
	// ValueMin and ValueMax come from the legacy min()/max() aggregations.
	ValueMin CorrelationType = "value_min"
	ValueMax CorrelationType = "value_max"
)

// NeedsField reports whether the type aggregates the values of a field.
func (t CorrelationType) NeedsField() bool {
	switch t {
	case ValueCount, ValueSum, ValueAvg, ValuePercentile, ValueMedian, ValueMin, ValueMax:
		return true
	}
	return false
}

// IsTemporal reports whether the type is temporal or temporal_ordered.
func (t CorrelationType) IsTemporal() bool { return t == Temporal || t == TemporalOrdered }

// Correlation is the correlation section of a meta rule.
type Correlation struct {
	Type     CorrelationType
	Rules    []string // referenced rule IDs or names
	GroupBy  []string
	Timespan time.Duration
	// Aliases maps an alias used in GroupBy to the field name per referenced rule.
	Aliases map[string]map[string]string
	// Conditions are AND-ed; a temporal rule without condition needs all its rules.
	Conditions []CorrelationCondition
	// Field is the aggregated field of value_* types.
	Field string
	// Percentile (1–100) of value_percentile; 50 when absent.
	Percentile int
	// Expr is the extended temporal condition ("a and (b or c)") over rule names.
	Expr Expr
	// Generate keeps the referenced rules' own matches.
	Generate bool
}

// CorrelationCondition is one comparison of the aggregate with a threshold.
type CorrelationCondition struct {
	Cmp   Comparison
	Value float64
}

// Holds reports whether v satisfies every condition.
func (c *Correlation) Holds(v float64) bool {
	for _, cc := range c.Conditions {
		if !cc.Cmp.Holds(v, cc.Value) {
			return false
		}
	}
	return true
}

// UpperBounded reports whether the condition can stop holding when more
// events arrive (lt, lte, eq, neq): such correlations are decided when their
// window closes rather than as soon as an event makes them hold.
func (c *Correlation) UpperBounded() bool {
	for _, cc := range c.Conditions {
		switch cc.Cmp {
		case CmpLT, CmpLTE, CmpEQ, CmpNEQ:
			return true
		}
	}
	return false
}

func parseCorrelation(n *yaml.Node) (*Correlation, error) {
	if n.Kind != yaml.MappingNode {
		return nil, errAt(n, "correlation must be a mapping")
	}
	c := &Correlation{}
	t, err := scalarString(mapGet(n, "type"), "correlation type")
	if err != nil {
		return nil, err
	}
	c.Type = CorrelationType(t)
	switch c.Type {
	case EventCount, ValueCount, Temporal, TemporalOrdered, ValueSum, ValueAvg, ValuePercentile, ValueMedian:
	case "":
		return nil, errAt(n, "correlation has no type")
	default:
		return nil, errAt(mapGet(n, "type"), "unknown correlation type %q", t)
	}
	if c.Rules, err = stringList(mapGet(n, "rules"), "correlation rules"); err != nil {
		return nil, err
	}
	if c.GroupBy, err = stringList(mapGet(n, "group-by"), "group-by"); err != nil {
		return nil, err
	}
	ts, err := scalarString(mapGet(n, "timespan"), "timespan")
	if err != nil {
		return nil, err
	}
	if ts == "" {
		// Older drafts called it timeframe.
		if ts, err = scalarString(mapGet(n, "timeframe"), "timeframe"); err != nil {
			return nil, err
		}
	}
	if ts == "" {
		return nil, errAt(n, "correlation has no timespan")
	}
	if c.Timespan, err = ParseDuration(ts); err != nil {
		return nil, errAt(mapGet(n, "timespan"), "timespan: %v", err)
	}
	if g := mapGet(n, "generate"); g != nil {
		if g.Kind != yaml.ScalarNode || (g.Tag != "!!bool" && g.Tag != "!!str") {
			return nil, errAt(g, "generate must be true or false")
		}
		switch strings.ToLower(g.Value) {
		case "true", "yes":
			c.Generate = true
		case "false", "no":
		default:
			return nil, errAt(g, "generate must be true or false")
		}
	}
	if a := mapGet(n, "aliases"); a != nil {
		if a.Kind != yaml.MappingNode {
			return nil, errAt(a, "aliases must be a mapping")
		}
		c.Aliases = map[string]map[string]string{}
		for i := 0; i+1 < len(a.Content); i += 2 {
			name, m := a.Content[i].Value, resolveAlias(a.Content[i+1])
			if m.Kind != yaml.MappingNode {
				return nil, errAt(m, "alias %q must map rule names to fields", name)
			}
			per := map[string]string{}
			for j := 0; j+1 < len(m.Content); j += 2 {
				per[m.Content[j].Value] = m.Content[j+1].Value
			}
			c.Aliases[name] = per
		}
	}
	cond := mapGet(n, "condition")
	switch {
	case cond == nil:
		if !c.Type.IsTemporal() {
			return nil, errAt(n, "%s correlation has no condition", c.Type)
		}
	case cond.Kind == yaml.ScalarNode:
		if !c.Type.IsTemporal() {
			return nil, errAt(cond, "a condition expression is only allowed for temporal correlations")
		}
		names := c.Rules
		if len(names) == 0 {
			// The rules are the identifiers of the expression.
			toks, err := lexCondition(cond.Value)
			if err != nil {
				return nil, errAt(cond, "condition: %v", err)
			}
			for _, t := range toks {
				if t.kind == tIdent && !isOperatorWord(t.text) && !contains(names, t.text) {
					names = append(names, t.text)
				}
			}
			c.Rules = names
		}
		p := &condParser{toks: nil, names: names}
		if p.toks, err = lexCondition(cond.Value); err != nil {
			return nil, errAt(cond, "condition: %v", err)
		}
		if c.Expr, err = p.parseAll(); err != nil {
			return nil, errAt(cond, "condition: %v", err)
		}
	case cond.Kind == yaml.MappingNode:
		if err := c.parseConditionMap(cond); err != nil {
			return nil, err
		}
	default:
		return nil, errAt(cond, "correlation condition must be a mapping")
	}
	if len(c.Rules) == 0 {
		return nil, errAt(n, "correlation refers to no rules")
	}
	if c.Type.NeedsField() && c.Field == "" {
		return nil, errAt(n, "%s correlation needs condition.field", c.Type)
	}
	if c.Type == ValueMedian {
		c.Type, c.Percentile = ValuePercentile, 50
	}
	if c.Type == ValuePercentile && c.Percentile == 0 {
		c.Percentile = 50
	}
	if len(c.Conditions) == 0 && c.Type.IsTemporal() && c.Expr == nil {
		c.Conditions = []CorrelationCondition{{Cmp: CmpGTE, Value: float64(len(c.Rules))}}
	}
	for alias, per := range c.Aliases {
		for rule := range per {
			if !contains(c.Rules, rule) {
				return nil, fmt.Errorf("alias %q names rule %q which the correlation does not refer to", alias, rule)
			}
		}
	}
	return c, nil
}

func isOperatorWord(s string) bool {
	switch strings.ToLower(s) {
	case "and", "or", "not":
		return true
	}
	return false
}

func (c *Correlation) parseConditionMap(cond *yaml.Node) error {
	for i := 0; i+1 < len(cond.Content); i += 2 {
		k, v := cond.Content[i].Value, resolveAlias(cond.Content[i+1])
		switch k {
		case "field":
			fs, err := stringList(v, "condition field")
			if err != nil {
				return err
			}
			if len(fs) != 1 {
				return errAt(v, "condition field must name exactly one field")
			}
			c.Field = fs[0]
		case "percentile":
			p, err := strconv.Atoi(v.Value)
			if err != nil || p < 1 || p > 100 {
				return errAt(v, "percentile must be a whole number from 1 to 100")
			}
			c.Percentile = p
		case "gt", "gte", "lt", "lte", "eq", "neq":
			f, err := strconv.ParseFloat(strings.TrimSpace(v.Value), 64)
			if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
				return errAt(v, "condition %s needs a number, not %q", k, v.Value)
			}
			cmp := map[string]Comparison{"gt": CmpGT, "gte": CmpGTE, "lt": CmpLT, "lte": CmpLTE, "eq": CmpEQ, "neq": CmpNEQ}[k]
			c.Conditions = append(c.Conditions, CorrelationCondition{Cmp: cmp, Value: f})
		default:
			return errAt(cond.Content[i], "unknown correlation condition key %q", k)
		}
	}
	if len(c.Conditions) == 0 {
		return errAt(cond, "correlation condition has no comparison (gt, gte, lt, lte, eq, neq)")
	}
	return nil
}

// Filter is a global filter: it adds its condition (AND) to the rules it names.
type Filter struct {
	// Rules are the IDs or names of the rules filtered; Any applies the
	// filter to every rule of its log source.
	Rules     []string
	Any       bool
	Detection *Detection
}

func parseFilter(n *yaml.Node) (*Filter, error) {
	if n.Kind != yaml.MappingNode {
		return nil, errAt(n, "filter must be a mapping")
	}
	f := &Filter{}
	rules := mapGet(n, "rules")
	switch {
	case rules == nil:
		return nil, errAt(n, "filter has no rules (use 'any' to filter every rule of the log source)")
	case rules.Kind == yaml.ScalarNode && (strings.EqualFold(rules.Value, "any") || strings.EqualFold(rules.Value, "all")):
		f.Any = true
	default:
		var err error
		if f.Rules, err = stringList(rules, "filter rules"); err != nil {
			return nil, err
		}
		if len(f.Rules) == 0 {
			f.Any = true
		}
	}
	// The rest of the filter is a detection section without the rules key.
	det := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: n.Line}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == "rules" {
			continue
		}
		det.Content = append(det.Content, n.Content[i], n.Content[i+1])
	}
	var err error
	if f.Detection, err = parseDetection(det); err != nil {
		return nil, err
	}
	for _, c := range f.Detection.Conditions {
		if c.Aggregation != nil || c.Near != nil {
			return nil, errAt(n, "a filter condition cannot aggregate")
		}
	}
	return f, nil
}
