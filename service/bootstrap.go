package service

import (
	"context"
	"encoding/base64"

	"bianque"
	"bianque/auth"
)

// Bootstrap creates the first platform administrator when the store has no
// account at all, so that a fresh installation can be signed into. It
// returns the generated password (shown once) and created=false when
// accounts already exist. The account must enrol TOTP at its first sign-in.
func Bootstrap(ctx context.Context, store bianque.Store, opts Options, username string) (password string, created bool, err error) {
	opts.defaults()
	us, _, err := store.Users(ctx, bianque.UserFilter{Page: bianque.Page{Limit: 1}})
	if err != nil {
		return "", false, err
	}
	if len(us) > 0 {
		return "", false, nil
	}
	password = "Bq-" + base64.RawURLEncoding.EncodeToString(auth.RandomBytes(12))
	h, err := auth.HashPassword(password, opts.Argon2)
	if err != nil {
		return "", false, err
	}
	now := opts.Clock.Now()
	u := &bianque.User{ID: bianque.NewIDAt(now), Username: username, DisplayName: "Platform administrator", Role: bianque.RolePlatformAdmin,
		PasswordHash: h, CreatedAt: now, UpdatedAt: now}
	if err := u.Validate(); err != nil {
		return "", false, err
	}
	if err := store.CreateUser(ctx, u); err != nil {
		return "", false, err
	}
	c := &core{store: store, opts: opts, clock: opts.Clock, log: opts.Logger}
	actx := bianque.NewContextWithPrincipal(ctx, &bianque.Principal{Username: "bianque"})
	if err := c.audit(actx, "", "user.bootstrap", "user", u.ID, map[string]string{"username": username}); err != nil {
		return "", false, err
	}
	return password, true, nil
}
