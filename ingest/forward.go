package ingest

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"bianque"
	"bianque/pki"
	"bianque/queue"
)

// Batch wire format between collector and platform: the body is a sequence
// of records, each a uvarint length followed by a Raw record (AppendRaw),
// optionally gzip-compressed (Content-Encoding: gzip). Records of transport
// TransportDiscovery carry the passive sensor's sightings and flow
// summaries; the others are log messages.
const (
	BatchPath        = "/ingest/v1/batches"
	BatchContentType = "application/x-bianque-batch"
	HeaderBatchID    = "X-Bianque-Batch-Id"
	HeaderBacklog    = "X-Bianque-Backlog"
)

// BatchResult answers a delivered batch.
type BatchResult struct {
	Accepted  int  `json:"accepted"`
	Duplicate bool `json:"duplicate,omitempty"`
}

// BatchHandler accepts batches forwarded by collectors over mutual TLS. The
// collector is identified by its client certificate alone (the tenant it
// claims in records is ignored); a revoked component is refused. A batch ID
// already in the ledger is acknowledged without being queued again, and
// every event's ID is derived from the component and the collector's record
// ID, so a batch re-sent after any crash is stored once.
type BatchHandler struct {
	Components *ComponentCache
	Sink       Sink
	Ledger     BatchLedger
	Touch      *Toucher
	Metrics    *Metrics
	// Discovery takes the records of collectors' passive sensors (nil:
	// they are counted as rejected and dropped).
	Discovery DiscoveryReceiver
	MaxBody   int64 // 64 MiB
	Timeout   time.Duration
	// DiscoveryTimeout bounds the passive discovery work of one batch (50 s;
	// the collector waits 60 s for an answer).
	DiscoveryTimeout time.Duration
	Logger           *slog.Logger
}

func (h *BatchHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		httpError(w, http.StatusMethodNotAllowed, bianque.EINVALID, "use POST")
		return
	}
	if r.TLS == nil || len(r.TLS.VerifiedChains) == 0 {
		h.Metrics.batch("unauthorized")
		httpError(w, http.StatusUnauthorized, bianque.EUNAUTHORIZED, "a client certificate issued by the platform is required")
		return
	}
	serial := pki.SerialHex(r.TLS.PeerCertificates[0])
	comp, err := h.Components.BySerial(r.Context(), serial)
	if err != nil {
		if bianque.ErrorCode(err) == bianque.ENOTFOUND {
			h.Metrics.batch("unauthorized")
			httpError(w, http.StatusUnauthorized, bianque.EUNAUTHORIZED, "unknown client certificate")
			return
		}
		httpError(w, http.StatusServiceUnavailable, bianque.EUNAVAILABLE, "component lookup failed; retry")
		return
	}
	if !comp.Active() {
		h.Metrics.batch("forbidden")
		httpError(w, http.StatusForbidden, bianque.EFORBIDDEN, fmt.Sprintf("component %s is %s", comp.ID, comp.State))
		return
	}
	if b, err := strconv.ParseInt(r.Header.Get(HeaderBacklog), 10, 64); err == nil {
		h.Touch.NoteBacklog(comp.ID, b)
	}
	batchID := r.Header.Get(HeaderBatchID)
	if batchID == "" {
		h.Metrics.batch("rejected")
		httpError(w, http.StatusBadRequest, bianque.EINVALID, HeaderBatchID+" is required")
		return
	}
	if h.Ledger != nil {
		if seen, err := h.Ledger.Seen(r.Context(), comp.ID, batchID); err == nil && seen {
			h.Metrics.batch("duplicate")
			h.Touch.Note(comp.ID, r.RemoteAddr, 0, 0, "")
			writeJSON(w, http.StatusOK, BatchResult{Duplicate: true})
			return
		}
	}
	recs, err := h.readBatch(r)
	if err != nil {
		h.Metrics.batch("rejected")
		h.Touch.Note(comp.ID, r.RemoteAddr, 0, 1, err.Error())
		httpError(w, http.StatusBadRequest, bianque.EINVALID, err.Error())
		return
	}
	// Discovery records go to passive discovery, each applied once; the
	// rest is log records for the ingest queue.
	var disc []Raw
	logs := recs[:0:0]
	for _, rec := range recs {
		if rec.Transport == TransportDiscovery {
			disc = append(disc, rec)
		} else {
			logs = append(logs, rec)
		}
	}
	recs = logs
	if len(disc) > 0 {
		dtimeout := h.DiscoveryTimeout
		if dtimeout <= 0 {
			dtimeout = 50 * time.Second
		}
		dctx, cancel := context.WithTimeout(r.Context(), dtimeout)
		err := h.receiveDiscovery(dctx, comp, r.RemoteAddr, disc)
		cancel()
		if err != nil {
			h.Metrics.batch("unavailable")
			if h.Logger != nil {
				h.Logger.Warn("discovery batch not taken; the collector sends it again", "component", comp.ID, "err", err)
			}
			w.Header().Set("Retry-After", "2")
			httpError(w, http.StatusServiceUnavailable, bianque.EUNAVAILABLE, "passive discovery did not take the batch in time; retry")
			return
		}
	}
	for i := range recs {
		rec := &recs[i]
		// The collector's record ID is stable across re-sends (it was
		// assigned before spooling); the receive time is not (a tailed line
		// read again after a crash), so the time part comes from the ID.
		rec.ID = DeriveID(IDTime(rec.ID), comp.ID, rec.ID)
		rec.TenantID = comp.TenantID
		rec.ComponentID = comp.ID
	}
	timeout := h.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	if len(recs) > 0 {
		ctx, cancel := context.WithTimeout(r.Context(), timeout)
		err = h.Sink.Submit(ctx, recs)
		cancel()
	}
	if err != nil {
		h.Metrics.batch("unavailable")
		w.Header().Set("Retry-After", "2")
		httpError(w, http.StatusServiceUnavailable, bianque.EUNAVAILABLE, "the ingest queue did not accept the batch in time; retry")
		return
	}
	if h.Ledger != nil {
		if err := h.Ledger.Record(r.Context(), comp.ID, batchID); err != nil && h.Logger != nil {
			h.Logger.Warn("batch ledger", "err", err)
		}
	}
	h.Metrics.batch("accepted")
	for i := range recs {
		h.Metrics.received(TransportCollector, len(recs[i].Data))
	}
	h.Touch.Note(comp.ID, r.RemoteAddr, int64(len(recs)), 0, "")
	writeJSON(w, http.StatusOK, BatchResult{Accepted: len(recs) + len(disc)})
}

func (h *BatchHandler) readBatch(r *http.Request) ([]Raw, error) {
	max := h.MaxBody
	if max <= 0 {
		max = 64 << 20
	}
	var rd io.Reader = http.MaxBytesReader(nil, r.Body, max)
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(rd)
		if err != nil {
			return nil, fmt.Errorf("bad gzip body: %w", err)
		}
		defer zr.Close()
		rd = io.LimitReader(zr, max+1)
	}
	body, err := io.ReadAll(rd)
	if err != nil {
		return nil, fmt.Errorf("read batch: %w", err)
	}
	if int64(len(body)) > max {
		return nil, fmt.Errorf("batch exceeds %d bytes", max)
	}
	return DecodeBatch(body)
}

// AppendBatch appends one record (already encoded with AppendRaw) to a batch body.
func AppendBatch(dst, rec []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(rec)))
	return append(dst, rec...)
}

// DecodeBatch decodes a batch body. The records' Data alias body.
func DecodeBatch(body []byte) ([]Raw, error) {
	var recs []Raw
	for i := 0; len(body) > 0; i++ {
		n, k := binary.Uvarint(body)
		if k <= 0 || n > uint64(len(body)-k) {
			return nil, fmt.Errorf("record %d: bad length", i)
		}
		var r Raw
		if err := DecodeRaw(body[k:k+int(n)], &r); err != nil {
			return nil, fmt.Errorf("record %d: %w", i, err)
		}
		recs = append(recs, r)
		body = body[k+int(n):]
	}
	return recs, nil
}

// Forwarder is the collector's delivery loop: it takes batches from the
// spool (a durable local queue the receivers write to), sends each to the
// platform over mutual TLS until the platform confirms it, and only then
// acknowledges it in the spool. While the platform is unreachable the spool
// grows on disk (bounded, with backpressure to the receivers); nothing is
// lost across restarts of either side.
type Forwarder struct {
	Spool  queue.Queue
	URL    string // https://platform:port (BatchPath is appended)
	Client *http.Client
	// BatchSize is the most events per batch (1000); MaxWait how long to
	// wait to fill one (1s).
	BatchSize int
	MaxWait   time.Duration
	// MaxBytes bounds the records of one request (4 MiB before
	// compression; a single larger record goes alone).
	MaxBytes int
	// Compress gzips batches (worth it over a WAN).
	Compress bool
	Metrics  *Metrics
	Logger   *slog.Logger
	// ComponentID names the collector in batch IDs and logs.
	ComponentID string

	// OnRevoked, if set, is called when the platform refuses the collector.
	OnRevoked func()
}

// ErrRevoked is reported when the platform refuses the collector's certificate.
var ErrRevoked = errors.New("the platform refused this collector (revoked or not approved)")

// Run forwards until ctx ends. Batches in flight when it ends stay in the
// spool and are sent again on the next start (the platform deduplicates).
func (f *Forwarder) Run(ctx context.Context) error {
	size := f.BatchSize
	if size <= 0 {
		size = 1000
	}
	wait := f.MaxWait
	if wait <= 0 {
		wait = time.Second
	}
	logger := f.Logger
	if logger == nil {
		logger = slog.Default()
	}
	for {
		ds, err := f.Spool.Fetch(ctx, size, wait)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("read spool: %w", err)
		}
		if st, err := f.Spool.Stats(ctx); err == nil && f.Metrics != nil {
			f.Metrics.Spooled.Set(float64(st.Backlog))
		}
		if len(ds) == 0 {
			continue
		}
		for len(ds) > 0 && ctx.Err() == nil {
			n := f.chunk(ds)
			if err := f.deliver(ctx, ds[:n], logger); err != nil {
				return err
			}
			ds = ds[n:]
		}
		if ctx.Err() != nil {
			return nil
		}
	}
}

// chunk returns how many of ds (at least one) fit in one request.
func (f *Forwarder) chunk(ds []*queue.Delivery) int {
	max := f.MaxBytes
	if max <= 0 {
		max = 4 << 20
	}
	size := 0
	for i, d := range ds {
		size += len(d.Data) + binary.MaxVarintLen32
		if size > max && i > 0 {
			return i
		}
	}
	return len(ds)
}

// deliver sends ds until the platform confirms them, then acknowledges
// them in the spool. It returns nil when ctx ends (ds stay in the spool).
func (f *Forwarder) deliver(ctx context.Context, ds []*queue.Delivery, logger *slog.Logger) error {
	body := make([]byte, 0, 256*len(ds))
	for _, d := range ds {
		body = AppendBatch(body, d.Data)
	}
	// Deterministic for the same records (their IDs were assigned before
	// spooling): a re-send after a restart carries the same batch ID when
	// it holds the same records, and a reset spool cannot repeat one.
	batchID := DeriveID(time.Time{}, ds[0].ID, ds[len(ds)-1].ID, strconv.Itoa(len(ds)))
	backoff := 200 * time.Millisecond
	for {
		st, _ := f.Spool.Stats(ctx)
		err := f.send(ctx, batchID, body, st.Backlog)
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			return nil
		}
		if f.Metrics != nil {
			f.Metrics.ForwardErrs.Inc()
		}
		if errors.Is(err, ErrRevoked) {
			logger.Error("collector refused by the platform; events stay in the spool", "component", f.ComponentID)
			if f.OnRevoked != nil {
				f.OnRevoked()
			}
			backoff = 30 * time.Second
		} else {
			logger.Warn("forward batch failed; retrying", "batch", batchID, "events", len(ds), "err", err, "retry_in", backoff)
		}
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
			return nil
		}
		backoff = min(backoff*2, 30*time.Second)
	}
	if err := f.Spool.Ack(ctx, ds); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("ack spool: %w", err)
	}
	if f.Metrics != nil {
		f.Metrics.Forwarded.Add(float64(len(ds)))
	}
	return nil
}

func (f *Forwarder) send(ctx context.Context, batchID string, body []byte, backlog int64) error {
	var rd io.Reader = bytes.NewReader(body)
	if f.Compress {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
		zw.Write(body)
		zw.Close()
		rd = &buf
	}
	rctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodPost, f.URL+BatchPath, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", BatchContentType)
	req.Header.Set(HeaderBatchID, batchID)
	req.Header.Set(HeaderBacklog, strconv.FormatInt(backlog, 10))
	if f.Compress {
		req.Header.Set("Content-Encoding", "gzip")
	}
	resp, err := f.Client.Do(req)
	if err != nil {
		if errors.Is(err, pki.ErrRevoked) || isTLSRefusal(err) {
			return fmt.Errorf("%w: %v", ErrRevoked, err)
		}
		return err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	switch {
	case resp.StatusCode == http.StatusOK:
		var res BatchResult
		if err := json.Unmarshal(msg, &res); err != nil {
			return fmt.Errorf("bad answer to batch: %w", err)
		}
		return nil
	case resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusUnauthorized:
		return fmt.Errorf("%w: %s", ErrRevoked, bytes.TrimSpace(msg))
	default:
		return fmt.Errorf("platform answered %s: %s", resp.Status, bytes.TrimSpace(msg))
	}
}

// isTLSRefusal reports a handshake the server aborted because of our
// certificate (the server's revocation check).
func isTLSRefusal(err error) bool {
	s := err.Error()
	return bytes.Contains([]byte(s), []byte("bad certificate")) || bytes.Contains([]byte(s), []byte("certificate revoked")) ||
		bytes.Contains([]byte(s), []byte("unknown certificate"))
}
