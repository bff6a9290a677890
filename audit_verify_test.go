package bianque_test

import (
	"reflect"
	"testing"

	"bianque"
)

// ChainVerifier must report exactly what VerifyAuditChain reports.
func TestChainVerifierMatchesVerifyAuditChain(t *testing.T) {
	cases := map[string]func(h *bianque.AuditHead, es []*bianque.AuditEntry) (*bianque.AuditHead, []*bianque.AuditEntry){
		"intact": func(h *bianque.AuditHead, es []*bianque.AuditEntry) (*bianque.AuditHead, []*bianque.AuditEntry) {
			return h, es
		},
		"edited": func(h *bianque.AuditHead, es []*bianque.AuditEntry) (*bianque.AuditHead, []*bianque.AuditEntry) {
			es[2].Detail = "x"
			return h, es
		},
		"gap": func(h *bianque.AuditHead, es []*bianque.AuditEntry) (*bianque.AuditHead, []*bianque.AuditEntry) {
			return h, append(es[:1], es[2:]...)
		},
		"tail": func(h *bianque.AuditHead, es []*bianque.AuditEntry) (*bianque.AuditHead, []*bianque.AuditEntry) {
			return h, es[:3]
		},
		"no head": func(h *bianque.AuditHead, es []*bianque.AuditEntry) (*bianque.AuditHead, []*bianque.AuditEntry) {
			return nil, es
		},
		"rehash": func(h *bianque.AuditHead, es []*bianque.AuditEntry) (*bianque.AuditHead, []*bianque.AuditEntry) {
			es[0].ActorID = "m"
			es[0].Hash = es[0].ComputeHash()
			return h, es
		},
	}
	for name, mod := range cases {
		h, es := mod(chain(5))
		want := bianque.VerifyAuditChain(h, es)
		v := bianque.NewChainVerifier("t1")
		for _, e := range es {
			v.Add(e)
		}
		got := v.Finish(h)
		if h == nil {
			for i := range want {
				want[i].TenantID = "t1" // VerifyAuditChain learns the tenant from the head only
			}
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: ChainVerifier %v, VerifyAuditChain %v", name, got, want)
		}
		if (name == "intact") != (len(got) == 0) {
			t.Errorf("%s: problems %v", name, got)
		}
	}
}
