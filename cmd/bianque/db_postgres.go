package main

import (
	"context"

	"bianque"
	"bianque/postgres"
)

func init() {
	storeOpeners["postgres"] = func(ctx context.Context, url string, fieldKey []byte) (bianque.Store, error) {
		var opts []postgres.Option
		if fieldKey != nil {
			opts = append(opts, postgres.WithFieldKey(fieldKey))
		}
		return postgres.Open(ctx, url, opts...)
	}
}
