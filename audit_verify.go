package bianque

// ChainVerifier checks one audit chain entry by entry, so that a chain of any
// length is verified in constant memory. Feeding it the chain's entries in
// Seq order and then calling Finish gives the same problems as
// VerifyAuditChain.
type ChainVerifier struct {
	tenant   string
	prev     string
	seq      int64
	problems []AuditProblem
}

// NewChainVerifier starts verifying the chain of tenantID ("" = platform).
func NewChainVerifier(tenantID string) *ChainVerifier { return &ChainVerifier{tenant: tenantID} }

// Add checks the next entry.
func (v *ChainVerifier) Add(e *AuditEntry) {
	v.seq++
	if e.Seq != v.seq {
		v.problems = append(v.problems, AuditProblem{v.tenant, e.Seq, "sequence gap: expected " + itoa(v.seq) + " (entries deleted or reordered)"})
		v.seq = e.Seq
	}
	if e.PrevHash != v.prev {
		v.problems = append(v.problems, AuditProblem{v.tenant, e.Seq, "previous-hash link broken"})
	}
	if e.ComputeHash() != e.Hash {
		v.problems = append(v.problems, AuditProblem{v.tenant, e.Seq, "entry content does not match its hash (edited)"})
	}
	v.prev = e.Hash
}

// Finish checks the chain's head against the last entry and returns every problem found.
func (v *ChainVerifier) Finish(head *AuditHead) []AuditProblem {
	switch {
	case head == nil && v.seq > 0:
		v.problems = append(v.problems, AuditProblem{v.tenant, v.seq, "chain has entries but no head record"})
	case head != nil && (head.Seq != v.seq || head.Hash != v.prev):
		v.problems = append(v.problems, AuditProblem{v.tenant, head.Seq, "chain head (seq " + itoa(head.Seq) + ") does not match the last entry (seq " + itoa(v.seq) + "): newest entries deleted or head edited"})
	}
	return v.problems
}
