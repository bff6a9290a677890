package bianque

import (
	"errors"
	"fmt"
)

// Error codes. They are stable: API clients match on them, and the HTTP layer
// maps each to one status code in a single table.
const (
	EINVALID      = "invalid"      // bad input; the message says which field and why
	ENOTFOUND     = "not_found"    // no such record, or not visible to the caller
	ECONFLICT     = "conflict"     // duplicate, stale version, or an illegal state transition
	EFORBIDDEN    = "forbidden"    // authenticated but not allowed
	EUNAUTHORIZED = "unauthorized" // not authenticated, bad credentials or MFA code
	ELOCKED       = "locked"       // account locked after repeated failures
	ERATELIMIT    = "rate_limited" // too many requests
	EUNAVAILABLE  = "unavailable"  // a dependency is down; retry later
	EINTERNAL     = "internal"     // a bug or an unexpected failure; details are logged, not shown
)

// Error is the one error type of the domain. Message is safe to show to the
// user; Err (optional) carries the underlying cause for logs.
type Error struct {
	Code    string
	Message string
	Err     error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// WrapError returns an *Error with code and message that wraps cause.
func WrapError(code string, cause error, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Err: cause}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for
// any other non-nil error and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-safe message of err: the *Error's message, or
// a generic text for internal errors, whose details must not leak.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}
