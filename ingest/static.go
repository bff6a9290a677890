package ingest

import (
	"context"
	"time"

	"bianque"
)

// LocalTokens authenticates HTTP ingest on the collector, where there is no
// component store: each configured token stands for one local source, and
// the platform attributes everything to the collector itself when it
// receives the forwarded batch. It implements the lookups HTTPHandler uses.
type LocalTokens struct {
	byHash map[string]*bianque.Component
}

// NewLocalTokens accepts the given tokens, each with the hint of what its
// senders push ("" to detect).
func NewLocalTokens(tokens map[string]string) *LocalTokens {
	lt := &LocalTokens{byHash: map[string]*bianque.Component{}}
	for tok, hint := range tokens {
		h := HashSecret(tok)
		lt.byHash[h] = &bianque.Component{ID: "local-" + h[:8], Name: "local HTTP source", Kind: bianque.ComponentEDR,
			State: bianque.ComponentApproved, Product: hint, TokenHash: h}
	}
	return lt
}

func notFound() error { return bianque.Errorf(bianque.ENOTFOUND, "unknown token") }

// ComponentByTokenHash returns the local source of a token.
func (lt *LocalTokens) ComponentByTokenHash(ctx context.Context, hash string) (*bianque.Component, error) {
	if c, ok := lt.byHash[hash]; ok {
		cc := *c
		return &cc, nil
	}
	return nil, notFound()
}

// The rest of bianque.ComponentStore has nothing to look up locally.

func (lt *LocalTokens) CreateComponent(context.Context, *bianque.Component) error {
	return bianque.Errorf(bianque.EINVALID, "local tokens are configured, not created")
}
func (lt *LocalTokens) Component(context.Context, string, string) (*bianque.Component, error) {
	return nil, notFound()
}
func (lt *LocalTokens) ComponentByCertSerial(context.Context, string) (*bianque.Component, error) {
	return nil, notFound()
}
func (lt *LocalTokens) Components(context.Context, bianque.ComponentFilter) ([]*bianque.Component, string, error) {
	return nil, "", nil
}
func (lt *LocalTokens) UpdateComponent(context.Context, *bianque.Component) error { return notFound() }
func (lt *LocalTokens) TouchComponent(context.Context, string, time.Time, string, bianque.ComponentStats) error {
	return nil
}
func (lt *LocalTokens) RevokedCertSerials(context.Context) ([]string, error) { return nil, nil }

var _ bianque.ComponentStore = (*LocalTokens)(nil)
