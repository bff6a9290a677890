package ingest

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"bianque"
)

// HTTPHandler accepts batches of events pushed by token-authenticated
// components (EDR agents, XDR, scanners):
//
//	POST <mount point>
//	Authorization: Bearer <component ingest token>
//	Content-Type: application/x-ndjson | application/json | text/plain
//	Content-Encoding: gzip (optional)
//	X-Bianque-Batch-Id: <id> (optional; makes a retried batch idempotent)
//	X-Bianque-Hint: <vendor or format> (optional; default: the component's product)
//
// NDJSON carries one JSON object per line; JSON an array of objects (or one
// object); text/plain one raw message per line. Lines that are not valid
// JSON are rejected and counted, the rest of the batch is accepted. The
// answer is sent after the accepted events are durable on the queue:
//
//	200 {"accepted": n, "rejected": m, "errors": [{"line": 3, "error": "..."}], "duplicate": false}
//
// 401 for a missing or unknown token, 403 for a component not approved (or
// revoked), 413 for a body over MaxBody, 503 when the queue does not take the
// batch within Timeout (the client retries).
type HTTPHandler struct {
	Components *ComponentCache
	Sink       Sink
	Ledger     BatchLedger // optional
	Touch      *Toucher    // optional
	Clock      bianque.Clock
	Metrics    *Metrics
	// MaxBody bounds the request body after decompression (16 MiB).
	MaxBody int64
	// MaxMessage bounds one event (DefaultMaxMessage).
	MaxMessage int
	// Timeout bounds the wait for the queue (30s).
	Timeout time.Duration
}

const receiverHTTP = "http"

// IngestResult is the answer to an ingest request.
type IngestResult struct {
	Accepted  int          `json:"accepted"`
	Rejected  int          `json:"rejected"`
	Errors    []IngestLine `json:"errors,omitempty"`
	Duplicate bool         `json:"duplicate,omitempty"`
}

// IngestLine names one rejected line.
type IngestLine struct {
	Line  int    `json:"line"`
	Error string `json:"error"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func httpError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": msg}})
}

func (h *HTTPHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		httpError(w, http.StatusMethodNotAllowed, bianque.EINVALID, "use POST")
		return
	}
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || token == "" {
		h.Metrics.reject(receiverHTTP, "unauthorized")
		httpError(w, http.StatusUnauthorized, bianque.EUNAUTHORIZED, "a component ingest token is required (Authorization: Bearer ...)")
		return
	}
	comp, err := h.Components.ByToken(r.Context(), strings.TrimSpace(token))
	if err != nil {
		if bianque.ErrorCode(err) == bianque.ENOTFOUND {
			h.Metrics.reject(receiverHTTP, "unauthorized")
			httpError(w, http.StatusUnauthorized, bianque.EUNAUTHORIZED, "unknown ingest token")
			return
		}
		h.Metrics.reject(receiverHTTP, "unavailable")
		httpError(w, http.StatusServiceUnavailable, bianque.EUNAVAILABLE, "component lookup failed; retry")
		return
	}
	if !comp.Active() {
		h.Metrics.reject(receiverHTTP, "forbidden")
		httpError(w, http.StatusForbidden, bianque.EFORBIDDEN, fmt.Sprintf("component %s is %s", comp.ID, comp.State))
		return
	}
	batchID := r.Header.Get("X-Bianque-Batch-Id")
	if batchID != "" && h.Ledger != nil {
		seen, err := h.Ledger.Seen(r.Context(), comp.ID, batchID)
		if err == nil && seen {
			h.Metrics.batch("duplicate")
			writeJSON(w, http.StatusOK, IngestResult{Duplicate: true})
			return
		}
	}
	hint := r.Header.Get("X-Bianque-Hint")
	if hint == "" {
		hint = comp.Product
		if hint == "" {
			hint = comp.Vendor
		}
	}
	body, status, err := h.readBody(r)
	if err != nil {
		h.Metrics.reject(receiverHTTP, "bad_body")
		httpError(w, status, bianque.EINVALID, err.Error())
		return
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	maxMsg := h.MaxMessage
	if maxMsg <= 0 {
		maxMsg = DefaultMaxMessage
	}
	msgs, res := splitBody(body, ct, maxMsg)
	for range res.Rejected {
		h.Metrics.reject(receiverHTTP, "bad_event")
	}
	now := h.now()
	if batchID != "" && h.Ledger != nil && len(msgs) > 0 {
		first, err := h.Ledger.Begin(r.Context(), comp.ID, batchID, now)
		if err != nil {
			// Queue the batch anyway: without its first receive time a retry
			// can only duplicate lines that carry no time of their own.
			h.Metrics.batch("ledger_error")
		} else {
			now = first
		}
	}
	recs := make([]Raw, len(msgs))
	for i, m := range msgs {
		id := bianque.NewIDAt(now)
		if batchID != "" {
			// Deterministic: the same batch sent again yields the same events.
			id = DeriveID(time.Time{}, comp.ID, batchID, fmt.Sprint(i))
		}
		recs[i] = Raw{ID: id, TenantID: comp.TenantID, ComponentID: comp.ID, Received: now,
			Transport: TransportHTTP, Peer: r.RemoteAddr, Hint: hint, Data: m}
	}
	if len(recs) > 0 {
		timeout := h.Timeout
		if timeout <= 0 {
			timeout = 30 * time.Second
		}
		ctx, cancel := context.WithTimeout(r.Context(), timeout)
		err := h.Sink.Submit(ctx, recs)
		cancel()
		if err != nil {
			h.Metrics.reject(receiverHTTP, "queue_unavailable")
			h.Touch.Note(comp.ID, r.RemoteAddr, 0, 1, "queue unavailable")
			w.Header().Set("Retry-After", "5")
			httpError(w, http.StatusServiceUnavailable, bianque.EUNAVAILABLE, "the ingest queue did not accept the batch in time; retry")
			return
		}
		for _, m := range msgs {
			h.Metrics.received(receiverHTTP, len(m))
		}
	}
	if batchID != "" && h.Ledger != nil {
		h.Ledger.Record(r.Context(), comp.ID, batchID)
	}
	res.Accepted = len(recs)
	h.Touch.Note(comp.ID, r.RemoteAddr, int64(len(recs)), int64(res.Rejected), "")
	writeJSON(w, http.StatusOK, res)
}

func (h *HTTPHandler) now() time.Time {
	if h.Clock == nil {
		return time.Now().UTC()
	}
	return h.Clock.Now()
}

func (h *HTTPHandler) readBody(r *http.Request) ([]byte, int, error) {
	max := h.MaxBody
	if max <= 0 {
		max = 16 << 20
	}
	var rd io.Reader = http.MaxBytesReader(nil, r.Body, max)
	if strings.EqualFold(r.Header.Get("Content-Encoding"), "gzip") {
		zr, err := gzip.NewReader(rd)
		if err != nil {
			return nil, http.StatusBadRequest, fmt.Errorf("bad gzip body: %w", err)
		}
		defer zr.Close()
		rd = zr
	}
	body, err := io.ReadAll(io.LimitReader(rd, max+1))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, http.StatusRequestEntityTooLarge, fmt.Errorf("body exceeds %d bytes", max)
		}
		return nil, http.StatusBadRequest, fmt.Errorf("read body: %w", err)
	}
	if int64(len(body)) > max {
		return nil, http.StatusRequestEntityTooLarge, fmt.Errorf("body exceeds %d bytes", max)
	}
	return body, 0, nil
}

// splitBody cuts a request body into messages. Each returned slice is its
// own copy-free view of body (which is not reused).
func splitBody(body []byte, contentType string, maxMsg int) ([][]byte, IngestResult) {
	var res IngestResult
	var out [][]byte
	reject := func(line int, err string) {
		res.Rejected++
		if len(res.Errors) < 20 {
			res.Errors = append(res.Errors, IngestLine{Line: line, Error: err})
		}
	}
	trimmed := bytes.TrimSpace(body)
	if contentType != "text/plain" && len(trimmed) > 0 && trimmed[0] == '[' {
		var arr []json.RawMessage
		if err := json.Unmarshal(trimmed, &arr); err != nil {
			reject(1, "body is not a JSON array: "+err.Error())
			return nil, res
		}
		for i, el := range arr {
			el = bytes.TrimSpace(el)
			switch {
			case len(el) == 0 || el[0] != '{':
				reject(i+1, "array element is not a JSON object")
			case len(el) > maxMsg:
				reject(i+1, fmt.Sprintf("event exceeds %d bytes", maxMsg))
			default:
				out = append(out, compactJSON(el))
			}
		}
		return out, res
	}
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 0, 64<<10), len(body)+1)
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		if len(b) > maxMsg {
			reject(line, fmt.Sprintf("event exceeds %d bytes", maxMsg))
			continue
		}
		if contentType != "text/plain" {
			if b[0] != '{' || !json.Valid(b) {
				reject(line, "not a JSON object")
				continue
			}
		}
		out = append(out, bytes.Clone(b))
	}
	return out, res
}

func compactJSON(b []byte) []byte {
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return bytes.Clone(b)
	}
	return buf.Bytes()
}
