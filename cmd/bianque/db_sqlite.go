package main

import (
	"context"

	"bianque"
	"bianque/sqlite"
)

func init() {
	storeOpeners["sqlite"] = func(ctx context.Context, path string, fieldKey []byte) (bianque.Store, error) {
		var opts []sqlite.Option
		if fieldKey != nil {
			opts = append(opts, sqlite.WithFieldKey(fieldKey))
		}
		return sqlite.Open(ctx, path, opts...)
	}
}
