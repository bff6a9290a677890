package bianque

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"strconv"
	"time"
)

// AuditEntry is one line of the append-only audit log (R15.3): every write, and
// every read of tenant data by provider staff. Entries form one hash chain per
// tenant (TenantID "" is the platform chain), so a tenant purge can drop its
// chain whole while the platform chain records the purge and the chain's last
// hash.
type AuditEntry struct {
	TenantID string `json:"tenant_id,omitempty"`
	// Seq is 1, 2, 3, ... within the chain; a gap reveals a deleted entry.
	Seq        int64     `json:"seq"`
	At         time.Time `json:"at"`
	ActorID    string    `json:"actor_id,omitempty"`
	ActorName  string    `json:"actor_name,omitempty"`
	ActorRole  Role      `json:"actor_role,omitempty"`
	SourceIP   string    `json:"source_ip,omitempty"`
	Action     string    `json:"action"` // e.g. "ticket.read", "ticket.act", "user.create", "login.fail"
	ObjectType string    `json:"object_type,omitempty"`
	ObjectID   string    `json:"object_id,omitempty"`
	// Detail is a short JSON or text payload (what changed), never secrets.
	Detail   string `json:"detail,omitempty"`
	PrevHash string `json:"prev_hash"`
	Hash     string `json:"hash"`
}

// ComputeHash returns the entry's hash given its PrevHash and fields. The
// encoding is length-prefixed so no two distinct entries serialise alike.
func (e *AuditEntry) ComputeHash() string {
	h := sha256.New()
	var n [8]byte
	put := func(s string) {
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	put(e.PrevHash)
	put(e.TenantID)
	binary.BigEndian.PutUint64(n[:], uint64(e.Seq))
	h.Write(n[:])
	binary.BigEndian.PutUint64(n[:], uint64(e.At.UTC().UnixNano()))
	h.Write(n[:])
	for _, s := range []string{e.ActorID, e.ActorName, string(e.ActorRole), e.SourceIP, e.Action, e.ObjectType, e.ObjectID, e.Detail} {
		put(s)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// AuditHead is the last entry of one chain, kept apart from the entries so that
// deleting the newest entries is detected too.
type AuditHead struct {
	TenantID string `json:"tenant_id,omitempty"`
	Seq      int64  `json:"seq"`
	Hash     string `json:"hash"`
}

// AuditProblem is one defect found by verification.
type AuditProblem struct {
	TenantID string `json:"tenant_id,omitempty"`
	Seq      int64  `json:"seq"`
	Problem  string `json:"problem"`
}

// AuditReport is the result of verifying the audit log.
type AuditReport struct {
	Chains   int            `json:"chains"`
	Entries  int64          `json:"entries"`
	Problems []AuditProblem `json:"problems,omitempty"`
}

// OK reports whether the log verified.
func (r *AuditReport) OK() bool { return len(r.Problems) == 0 }

// VerifyAuditChain checks one chain's entries, given in Seq order, against its
// head. It reports every broken link, gap, edited entry and missing tail.
func VerifyAuditChain(head *AuditHead, entries []*AuditEntry) []AuditProblem {
	var probs []AuditProblem
	tenant := ""
	if head != nil {
		tenant = head.TenantID
	}
	prev := ""
	var seq int64
	for _, e := range entries {
		seq++
		if e.Seq != seq {
			probs = append(probs, AuditProblem{tenant, e.Seq, "sequence gap: expected " + itoa(seq) + " (entries deleted or reordered)"})
			seq = e.Seq
		}
		if e.PrevHash != prev {
			probs = append(probs, AuditProblem{tenant, e.Seq, "previous-hash link broken"})
		}
		if e.ComputeHash() != e.Hash {
			probs = append(probs, AuditProblem{tenant, e.Seq, "entry content does not match its hash (edited)"})
		}
		prev = e.Hash
	}
	switch {
	case head == nil && len(entries) > 0:
		probs = append(probs, AuditProblem{tenant, seq, "chain has entries but no head record"})
	case head != nil && (head.Seq != seq || head.Hash != prev):
		probs = append(probs, AuditProblem{tenant, head.Seq, "chain head (seq " + itoa(head.Seq) + ") does not match the last entry (seq " + itoa(seq) + "): newest entries deleted or head edited"})
	}
	return probs
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// AuditFilter selects audit entries of one chain.
type AuditFilter struct {
	TenantID string // "" = platform chain
	ActorID  string
	Action   string
	From, To time.Time
	Page
}

// AuditService reads and verifies the audit log.
type AuditService interface {
	AuditEntries(ctx context.Context, f AuditFilter) ([]*AuditEntry, string, error)
	Verify(ctx context.Context) (*AuditReport, error)
}
