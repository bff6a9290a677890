// Package oui maps MAC addresses to the organisation the IEEE assigned their
// prefix to. The built-in table is generated from the IEEE MA-L registry
// (public listing; see gen.go) and embedded compressed; Load reads IEEE CSV
// files (MA-L, MA-M, MA-S) at run time instead or in addition.
package oui

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/binary"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
)

//go:generate go run gen.go -in $BIANQUE_CORPORA/oui/ieee-oui.csv -out ieee-ma-l.bin.gz

//go:embed ieee-ma-l.bin.gz
var builtin []byte

// Table maps prefixes of 24, 28 or 36 bits to organisation names.
type Table struct {
	l map[uint32]string // 24-bit
	m map[uint32]string // 28-bit
	s map[uint64]string // 36-bit
}

// Len is the number of prefixes.
func (t *Table) Len() int { return len(t.l) + len(t.m) + len(t.s) }

// Lookup returns the organisation of mac (6 bytes), the most specific
// assignment first. Locally administered and group addresses have none.
func (t *Table) Lookup(mac [6]byte) (string, bool) {
	if mac[0]&0x03 != 0 {
		return "", false
	}
	if t.s != nil {
		k := uint64(mac[0])<<28 | uint64(mac[1])<<20 | uint64(mac[2])<<12 | uint64(mac[3])<<4 | uint64(mac[4]>>4)
		if v, ok := t.s[k]; ok {
			return v, true
		}
	}
	if t.m != nil {
		k := uint32(mac[0])<<20 | uint32(mac[1])<<12 | uint32(mac[2])<<4 | uint32(mac[3]>>4)
		if v, ok := t.m[k]; ok {
			return v, true
		}
	}
	v, ok := t.l[uint32(mac[0])<<16|uint32(mac[1])<<8|uint32(mac[2])]
	return v, ok
}

var (
	builtinOnce  sync.Once
	builtinTable *Table
	builtinErr   error
)

// Builtin returns the embedded IEEE MA-L table.
func Builtin() (*Table, error) {
	builtinOnce.Do(func() {
		builtinTable, builtinErr = decodeTable(builtin)
	})
	return builtinTable, builtinErr
}

// decodeTable reads the compact format written by gen.go: gzip of
// count (uint32), then per entry prefix (3 bytes) and name index (uint16),
// then the names count (uint32) and NUL-terminated names.
func decodeTable(gz []byte) (*Table, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, fmt.Errorf("oui table: %w", err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("oui table: %w", err)
	}
	if len(raw) < 4 {
		return nil, errors.New("oui table: truncated")
	}
	n := int(binary.LittleEndian.Uint32(raw))
	p := 4
	if len(raw) < p+5*n+4 {
		return nil, errors.New("oui table: truncated entries")
	}
	entries := raw[p : p+5*n]
	p += 5 * n
	nn := int(binary.LittleEndian.Uint32(raw[p:]))
	p += 4
	parts := bytes.Split(raw[p:], []byte{0})
	if len(parts) < nn {
		return nil, errors.New("oui table: truncated names")
	}
	names := make([]string, nn)
	for i := range nn {
		names[i] = string(parts[i])
	}
	t := &Table{l: make(map[uint32]string, n)}
	for i := 0; i < n; i++ {
		e := entries[5*i:]
		pre := uint32(e[0])<<16 | uint32(e[1])<<8 | uint32(e[2])
		idx := int(binary.LittleEndian.Uint16(e[3:5]))
		if idx >= nn {
			return nil, errors.New("oui table: bad name index")
		}
		t.l[pre] = names[idx]
	}
	return t, nil
}

// Load reads IEEE registry CSV files ("Registry,Assignment,Organization
// Name,Organization Address"; MA-L, MA-M and MA-S) into a table, on top of
// base when it is not nil.
func Load(base *Table, readers ...io.Reader) (*Table, error) {
	t := &Table{l: map[uint32]string{}, m: map[uint32]string{}, s: map[uint64]string{}}
	if base != nil {
		for k, v := range base.l {
			t.l[k] = v
		}
		for k, v := range base.m {
			t.m[k] = v
		}
		for k, v := range base.s {
			t.s[k] = v
		}
	}
	for _, r := range readers {
		cr := csv.NewReader(bufio.NewReader(r))
		cr.FieldsPerRecord = -1
		cr.LazyQuotes = true
		for line := 1; ; line++ {
			rec, err := cr.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("oui csv line %d: %w", line, err)
			}
			if len(rec) < 3 || line == 1 && strings.EqualFold(rec[0], "Registry") {
				continue
			}
			hex := strings.TrimSpace(rec[1])
			name := strings.TrimSpace(rec[2])
			v, err := strconv.ParseUint(hex, 16, 64)
			if err != nil || name == "" {
				continue
			}
			switch len(hex) {
			case 6:
				t.l[uint32(v)] = name
			case 7:
				t.m[uint32(v)] = name
			case 9:
				t.s[v] = name
			}
		}
	}
	return t, nil
}
