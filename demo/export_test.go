package demo

import (
	"math/rand/v2"
	"time"
)

// NewTestLogs returns logs of the given tenants (one per demo hospital)
// without a store.
func NewTestLogs(tenants []string, seed uint64) *Logs {
	return &Logs{tenants: tenants, rng: rand.New(rand.NewPCG(seed, 11))}
}

// AttackOf returns scenario kind against hospital i.
func (l *Logs) AttackOf(kind, i int, now time.Time) []LogLine { return l.attack(kind, i, now) }

const AttackKinds = attackKinds
