package http

import (
	"net/http"

	"bianque"
)

// statusOf is the one mapping of domain error codes to HTTP status.
var statusOf = map[string]int{
	bianque.EINVALID:      http.StatusBadRequest,
	bianque.EUNAUTHORIZED: http.StatusUnauthorized,
	bianque.EFORBIDDEN:    http.StatusForbidden,
	bianque.ENOTFOUND:     http.StatusNotFound,
	bianque.ECONFLICT:     http.StatusConflict,
	bianque.ELOCKED:       http.StatusLocked,
	bianque.ERATELIMIT:    http.StatusTooManyRequests,
	bianque.EUNAVAILABLE:  http.StatusServiceUnavailable,
	bianque.EINTERNAL:     http.StatusInternalServerError,
}

// ErrorStatus returns the HTTP status of err.
func ErrorStatus(err error) int {
	if s, ok := statusOf[bianque.ErrorCode(err)]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// ErrorBody is the JSON body of every API error.
type ErrorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// apiError writes err as {"error":{"code":...,"message":...}}; internal
// errors are logged with their cause and shown without it.
func (s *Server) apiError(w http.ResponseWriter, r *http.Request, err error) {
	status := ErrorStatus(err)
	if status >= 500 {
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	var body ErrorBody
	body.Error.Code = bianque.ErrorCode(err)
	body.Error.Message = bianque.ErrorMessage(err)
	writeJSON(w, status, body)
}
