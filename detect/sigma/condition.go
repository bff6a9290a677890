package sigma

import (
	"errors"
	"fmt"
	"path"
	"strconv"
	"strings"
)

// Expr is a node of a parsed condition.
type Expr interface{ exprNode() }

// And is true when every argument is.
type And struct{ Args []Expr }

// Or is true when any argument is.
type Or struct{ Args []Expr }

// Not inverts its argument.
type Not struct{ Arg Expr }

// Ref is a search identifier.
type Ref struct{ Name string }

// Of is "N of pattern" / "all of pattern" / "1 of them", resolved to the
// matching search identifiers.
type Of struct {
	// Count is the number of identifiers that must match; 0 means all.
	Count   int
	Pattern string
	Names   []string
}

func (And) exprNode() {}
func (Or) exprNode()  {}
func (Not) exprNode() {}
func (Ref) exprNode() {}
func (Of) exprNode()  {}

// Condition is one parsed condition of a detection. Legacy (Sigma v1)
// conditions may carry an aggregation ("| count() by X > 5") or a near
// clause ("| near a and b").
type Condition struct {
	Text        string
	Expr        Expr
	Aggregation *Aggregation
	Near        Expr
}

// Aggregation is a legacy aggregation expression.
type Aggregation struct {
	// Func is count, min, max, avg or sum.
	Func    string
	Field   string
	GroupBy []string
	Cmp     Comparison
	Value   float64
}

// ErrCondition wraps every condition syntax error.
var ErrCondition = errors.New("condition syntax")

// MaxConditionDepth bounds the nesting of parentheses and operators.
const MaxConditionDepth = 64

// ParseCondition parses a condition, resolving identifiers against names
// (the search identifiers of the detection, in order).
func ParseCondition(text string, names []string) (*Condition, error) {
	toks, err := lexCondition(text)
	if err != nil {
		return nil, err
	}
	c := &Condition{Text: text}
	main := toks
	var pipe []token
	for i, t := range toks {
		if t.kind == tPipe {
			main, pipe = toks[:i], toks[i+1:]
			break
		}
	}
	p := &condParser{toks: main, names: names}
	if c.Expr, err = p.parseAll(); err != nil {
		return nil, err
	}
	if pipe != nil {
		if len(pipe) > 0 && pipe[0].kind == tIdent && strings.EqualFold(pipe[0].text, "near") {
			np := &condParser{toks: pipe[1:], names: names}
			if c.Near, err = np.parseAll(); err != nil {
				return nil, fmt.Errorf("near: %w", err)
			}
		} else if c.Aggregation, err = parseAggregation(pipe); err != nil {
			return nil, err
		}
	}
	return c, nil
}

type tokKind uint8

const (
	tIdent tokKind = iota
	tNumber
	tLParen
	tRParen
	tPipe
	tComma
	tCmp
)

type token struct {
	kind tokKind
	text string
	pos  int
}

func lexCondition(s string) ([]token, error) {
	var toks []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(':
			toks = append(toks, token{tLParen, "(", i})
			i++
		case c == ')':
			toks = append(toks, token{tRParen, ")", i})
			i++
		case c == '|':
			toks = append(toks, token{tPipe, "|", i})
			i++
		case c == ',':
			toks = append(toks, token{tComma, ",", i})
			i++
		case c == '<' || c == '>' || c == '=' || c == '!':
			j := i + 1
			if j < len(s) && s[j] == '=' {
				j++
			}
			toks = append(toks, token{tCmp, s[i:j], i})
			i = j
		case c >= '0' && c <= '9':
			j := i
			for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == '.') {
				j++
			}
			if j < len(s) && isIdentByte(s[j]) {
				// An identifier that starts with a digit.
				for j < len(s) && isIdentByte(s[j]) {
					j++
				}
				toks = append(toks, token{tIdent, s[i:j], i})
			} else {
				toks = append(toks, token{tNumber, s[i:j], i})
			}
			i = j
		case isIdentByte(c):
			j := i
			for j < len(s) && isIdentByte(s[j]) {
				j++
			}
			toks = append(toks, token{tIdent, s[i:j], i})
			i = j
		default:
			return nil, fmt.Errorf("%w: unexpected character %q at %d", ErrCondition, c, i)
		}
	}
	return toks, nil
}

func isIdentByte(c byte) bool {
	return c == '_' || c == '-' || c == '.' || c == '*' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

type condParser struct {
	toks  []token
	pos   int
	names []string
	depth int
}

func (p *condParser) peek() (token, bool) {
	if p.pos < len(p.toks) {
		return p.toks[p.pos], true
	}
	return token{}, false
}

func (p *condParser) isKeyword(word string) bool {
	t, ok := p.peek()
	return ok && t.kind == tIdent && strings.EqualFold(t.text, word)
}

func (p *condParser) parseAll() (Expr, error) {
	if len(p.toks) == 0 {
		return nil, fmt.Errorf("%w: empty expression", ErrCondition)
	}
	e, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if t, ok := p.peek(); ok {
		return nil, fmt.Errorf("%w: unexpected %q at %d", ErrCondition, t.text, t.pos)
	}
	return e, nil
}

func (p *condParser) enter() error {
	p.depth++
	if p.depth > MaxConditionDepth {
		return fmt.Errorf("%w: nested deeper than %d", ErrCondition, MaxConditionDepth)
	}
	return nil
}

func (p *condParser) parseOr() (Expr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	first, err := p.parseAnd()
	if err != nil {
		return nil, err
	}
	args := []Expr{first}
	for p.isKeyword("or") {
		p.pos++
		e, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		args = append(args, e)
	}
	if len(args) == 1 {
		return first, nil
	}
	return Or{Args: args}, nil
}

func (p *condParser) parseAnd() (Expr, error) {
	first, err := p.parseNot()
	if err != nil {
		return nil, err
	}
	args := []Expr{first}
	for p.isKeyword("and") {
		p.pos++
		e, err := p.parseNot()
		if err != nil {
			return nil, err
		}
		args = append(args, e)
	}
	if len(args) == 1 {
		return first, nil
	}
	return And{Args: args}, nil
}

func (p *condParser) parseNot() (Expr, error) {
	if p.isKeyword("not") {
		p.pos++
		if err := p.enter(); err != nil {
			return nil, err
		}
		defer func() { p.depth-- }()
		e, err := p.parseNot()
		if err != nil {
			return nil, err
		}
		return Not{Arg: e}, nil
	}
	return p.parsePrimary()
}

func (p *condParser) parsePrimary() (Expr, error) {
	t, ok := p.peek()
	if !ok {
		return nil, fmt.Errorf("%w: expression ends too early", ErrCondition)
	}
	switch t.kind {
	case tLParen:
		p.pos++
		e, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		t2, ok := p.peek()
		if !ok || t2.kind != tRParen {
			return nil, fmt.Errorf("%w: missing ')' for '(' at %d", ErrCondition, t.pos)
		}
		p.pos++
		return e, nil
	case tNumber:
		// "N of pattern"
		n, err := strconv.Atoi(t.text)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%w: %q at %d is not a count", ErrCondition, t.text, t.pos)
		}
		p.pos++
		return p.parseOf(n, t)
	case tIdent:
		switch strings.ToLower(t.text) {
		case "all", "any":
			if p.pos+1 < len(p.toks) && p.toks[p.pos+1].kind == tIdent && strings.EqualFold(p.toks[p.pos+1].text, "of") {
				p.pos++
				n := 0
				if strings.EqualFold(t.text, "any") {
					n = 1
				}
				return p.parseOf(n, t)
			}
		case "and", "or", "not", "of", "them":
			return nil, fmt.Errorf("%w: unexpected %q at %d", ErrCondition, t.text, t.pos)
		}
		p.pos++
		if strings.Contains(t.text, "*") {
			return nil, fmt.Errorf("%w: wildcard %q at %d needs '1 of' or 'all of'", ErrCondition, t.text, t.pos)
		}
		if !contains(p.names, t.text) {
			return nil, fmt.Errorf("%w: unknown search identifier %q", ErrCondition, t.text)
		}
		return Ref{Name: t.text}, nil
	}
	return nil, fmt.Errorf("%w: unexpected %q at %d", ErrCondition, t.text, t.pos)
}

func (p *condParser) parseOf(count int, at token) (Expr, error) {
	if !p.isKeyword("of") {
		return nil, fmt.Errorf("%w: expected 'of' after %q at %d", ErrCondition, at.text, at.pos)
	}
	p.pos++
	t, ok := p.peek()
	if !ok || t.kind != tIdent {
		return nil, fmt.Errorf("%w: 'of' needs a pattern or 'them'", ErrCondition)
	}
	p.pos++
	var names []string
	if strings.EqualFold(t.text, "them") {
		for _, n := range p.names {
			if !strings.HasPrefix(n, "_") {
				names = append(names, n)
			}
		}
	} else {
		for _, n := range p.names {
			if ok, _ := path.Match(escapeMatch(t.text), n); ok {
				names = append(names, n)
			}
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("%w: %q matches no search identifier", ErrCondition, t.text)
	}
	if count > len(names) {
		return nil, fmt.Errorf("%w: %d of %q but only %d identifiers match", ErrCondition, count, t.text, len(names))
	}
	return Of{Count: count, Pattern: t.text, Names: names}, nil
}

// escapeMatch escapes everything path.Match treats specially except '*'.
func escapeMatch(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '?', '[', ']', '\\':
			b.WriteByte('\\')
		}
		b.WriteByte(p[i])
	}
	return b.String()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// parseAggregation reads "count(field) by a, b > 5" and friends.
func parseAggregation(toks []token) (*Aggregation, error) {
	if len(toks) < 3 || toks[0].kind != tIdent {
		return nil, fmt.Errorf("%w: expected an aggregation such as 'count() by field > 5' after '|'", ErrCondition)
	}
	a := &Aggregation{Func: strings.ToLower(toks[0].text)}
	switch a.Func {
	case "count", "min", "max", "avg", "sum":
	default:
		return nil, fmt.Errorf("%w: unknown aggregation function %q", ErrCondition, toks[0].text)
	}
	i := 1
	if i >= len(toks) || toks[i].kind != tLParen {
		return nil, fmt.Errorf("%w: expected '(' after %s", ErrCondition, a.Func)
	}
	i++
	if i < len(toks) && toks[i].kind == tIdent {
		a.Field = toks[i].text
		i++
	}
	if i >= len(toks) || toks[i].kind != tRParen {
		return nil, fmt.Errorf("%w: expected ')' in %s()", ErrCondition, a.Func)
	}
	i++
	if a.Func != "count" && a.Field == "" {
		return nil, fmt.Errorf("%w: %s() needs a field", ErrCondition, a.Func)
	}
	if i < len(toks) && toks[i].kind == tIdent && strings.EqualFold(toks[i].text, "by") {
		i++
		for {
			if i >= len(toks) || toks[i].kind != tIdent {
				return nil, fmt.Errorf("%w: 'by' needs field names", ErrCondition)
			}
			a.GroupBy = append(a.GroupBy, toks[i].text)
			i++
			if i < len(toks) && toks[i].kind == tComma {
				i++
				continue
			}
			break
		}
	}
	if i+2 != len(toks) || toks[i].kind != tCmp || toks[i+1].kind != tNumber {
		return nil, fmt.Errorf("%w: aggregation must end with a comparison such as '> 5'", ErrCondition)
	}
	switch toks[i].text {
	case ">":
		a.Cmp = CmpGT
	case ">=":
		a.Cmp = CmpGTE
	case "<":
		a.Cmp = CmpLT
	case "<=":
		a.Cmp = CmpLTE
	case "=", "==":
		a.Cmp = CmpEQ
	default:
		return nil, fmt.Errorf("%w: unknown comparison %q", ErrCondition, toks[i].text)
	}
	v, err := strconv.ParseFloat(toks[i+1].text, 64)
	if err != nil {
		return nil, fmt.Errorf("%w: %q is not a number", ErrCondition, toks[i+1].text)
	}
	a.Value = v
	return a, nil
}
