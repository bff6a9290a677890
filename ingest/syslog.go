package ingest

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"bianque"
)

// Source is who a message belongs to: the tenant and component it is
// attributed to and the parse hint for what it sends.
type Source struct {
	TenantID    string
	ComponentID string
	Hint        string
}

// SourceResolver attributes a sender's address to a Source; ok is false for
// a sender nobody registered (its messages are rejected and counted as
// "unknown_source").
type SourceResolver func(peer netip.Addr) (src Source, ok bool)

// FixedSource attributes every sender to src: a listener dedicated to one
// tenant, or the collector (which leaves the tenant to the platform).
func FixedSource(src Source) SourceResolver {
	return func(netip.Addr) (Source, bool) { return src, true }
}

// SyslogConfig configures a syslog listener.
type SyslogConfig struct {
	// Name labels the listener in metrics and records ("syslog-udp").
	Name string
	// Network is "udp", "tcp" or "tls"; Addr the address to listen on.
	Network string
	Addr    string
	// Framing of stream transports (auto by default).
	Framing Framing
	// MaxMessage is the largest message accepted (DefaultMaxMessage).
	MaxMessage int
	// TLS is the server configuration for "tls" (required there).
	TLS *tls.Config
	// MaxConns bounds concurrent stream connections (1024).
	MaxConns int
	// ReadBuffer is the UDP socket receive buffer asked for (8 MiB).
	ReadBuffer int
	Resolve    SourceResolver
	Clock      bianque.Clock
	Metrics    *Metrics
	Logger     *slog.Logger
}

// SyslogReceiver is a running syslog listener.
type SyslogReceiver struct {
	cfg SyslogConfig
	// Counters resolved once: label lookups cost more than the increment.
	recvC, bytesC prometheus.Counter
	out           *Batcher
	udp           *net.UDPConn
	ln            net.Listener
	wg            sync.WaitGroup
	mu            sync.Mutex
	conns         map[net.Conn]struct{}
}

// ListenSyslog opens the listener; Serve starts receiving.
func ListenSyslog(cfg SyslogConfig, out *Batcher) (*SyslogReceiver, error) {
	if cfg.Name == "" {
		cfg.Name = "syslog-" + cfg.Network
	}
	if cfg.MaxMessage <= 0 {
		cfg.MaxMessage = DefaultMaxMessage
	}
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = 1024
	}
	if cfg.ReadBuffer <= 0 {
		cfg.ReadBuffer = 8 << 20
	}
	if cfg.Clock == nil {
		cfg.Clock = bianque.SystemClock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Resolve == nil {
		return nil, errors.New("syslog listener needs a source resolver")
	}
	r := &SyslogReceiver{cfg: cfg, out: out, conns: map[net.Conn]struct{}{}}
	if cfg.Metrics != nil {
		r.recvC = cfg.Metrics.Received.WithLabelValues(cfg.Name)
		r.bytesC = cfg.Metrics.Bytes.WithLabelValues(cfg.Name)
	}
	switch cfg.Network {
	case "udp":
		addr, err := net.ResolveUDPAddr("udp", cfg.Addr)
		if err != nil {
			return nil, fmt.Errorf("syslog udp address: %w", err)
		}
		c, err := listenUDP(addr, cfg.ReadBuffer)
		if err != nil {
			return nil, fmt.Errorf("listen syslog udp %s: %w", cfg.Addr, err)
		}
		r.udp = c
	case "tcp", "tls":
		ln, err := net.Listen("tcp", cfg.Addr)
		if err != nil {
			return nil, fmt.Errorf("listen syslog %s %s: %w", cfg.Network, cfg.Addr, err)
		}
		if cfg.Network == "tls" {
			if cfg.TLS == nil {
				ln.Close()
				return nil, errors.New("syslog tls listener needs a TLS configuration")
			}
			ln = tls.NewListener(ln, cfg.TLS)
		}
		r.ln = ln
	default:
		return nil, fmt.Errorf("syslog network %q: want udp, tcp or tls", cfg.Network)
	}
	return r, nil
}

// Addr is the address the listener is bound to.
func (r *SyslogReceiver) Addr() net.Addr {
	if r.udp != nil {
		return r.udp.LocalAddr()
	}
	return r.ln.Addr()
}

// Serve receives until ctx ends, then closes the listener and its
// connections and waits for their goroutines.
func (r *SyslogReceiver) Serve(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() { r.close() })
	defer stop()
	var err error
	if r.udp != nil {
		err = r.serveUDP(ctx)
	} else {
		err = r.serveStream(ctx)
	}
	r.wg.Wait()
	if ctx.Err() != nil {
		return nil
	}
	return err
}

func (r *SyslogReceiver) close() {
	if r.udp != nil {
		r.udp.Close()
	}
	if r.ln != nil {
		r.ln.Close()
	}
	r.mu.Lock()
	for c := range r.conns {
		c.Close()
	}
	r.mu.Unlock()
}

func (r *SyslogReceiver) serveUDP(ctx context.Context) error {
	buf := make([]byte, r.cfg.MaxMessage+1)
	oob := make([]byte, 64)
	// The kernel's drop count starts at 0 with the socket and is only
	// attached to datagrams once it is non-zero.
	var lastDrops uint32
	var lastPeer netip.AddrPort
	var lastPeerStr string
	var lastSrc Source
	lastOK := false
	for {
		n, oobn, _, peer, err := r.udp.ReadMsgUDPAddrPort(buf, oob)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return nil
			}
			return fmt.Errorf("syslog udp read: %w", err)
		}
		if drops, ok := parseDropCount(oob[:oobn]); ok {
			if drops != lastDrops && r.cfg.Metrics != nil {
				r.cfg.Metrics.UDPDropped.WithLabelValues(r.cfg.Name).Add(float64(drops - lastDrops))
			}
			lastDrops = drops
		}
		if n > r.cfg.MaxMessage {
			r.cfg.Metrics.reject(r.cfg.Name, "too_long")
			continue
		}
		msg := trimLineEnd(buf[:n])
		if len(msg) == 0 {
			r.cfg.Metrics.reject(r.cfg.Name, "empty")
			continue
		}
		if peer != lastPeer || lastPeerStr == "" {
			lastPeer, lastPeerStr = peer, peer.String()
			lastSrc, lastOK = r.cfg.Resolve(peer.Addr().Unmap())
		}
		if !lastOK {
			r.cfg.Metrics.reject(r.cfg.Name, "unknown_source")
			continue
		}
		if err := r.emit(ctx, lastSrc, lastPeerStr, msg); err != nil {
			return nil
		}
	}
}

// emit hands one attributed message to the batcher.
func (r *SyslogReceiver) emit(ctx context.Context, src Source, peer string, msg []byte) error {
	now := r.cfg.Clock.Now()
	rec := Raw{
		ID:          bianque.NewIDAt(now),
		TenantID:    src.TenantID,
		ComponentID: src.ComponentID,
		Received:    now,
		Transport:   r.cfg.Network,
		Peer:        peer,
		Hint:        src.Hint,
		Data:        bytes.Clone(msg),
	}
	if err := r.out.Add(ctx, rec); err != nil {
		r.cfg.Metrics.reject(r.cfg.Name, "shutdown")
		return err
	}
	if r.recvC != nil {
		r.recvC.Inc()
		r.bytesC.Add(float64(len(msg)))
	}
	return nil
}

func (r *SyslogReceiver) serveStream(ctx context.Context) error {
	for {
		c, err := r.ln.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				time.Sleep(50 * time.Millisecond)
				continue
			}
			return fmt.Errorf("syslog %s accept: %w", r.cfg.Network, err)
		}
		r.mu.Lock()
		if len(r.conns) >= r.cfg.MaxConns {
			r.mu.Unlock()
			r.cfg.Metrics.reject(r.cfg.Name, "connection_limit")
			c.Close()
			continue
		}
		r.conns[c] = struct{}{}
		r.mu.Unlock()
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			r.serveConn(ctx, c)
			r.mu.Lock()
			delete(r.conns, c)
			r.mu.Unlock()
			c.Close()
		}()
	}
}

func (r *SyslogReceiver) serveConn(ctx context.Context, c net.Conn) {
	if r.cfg.Metrics != nil {
		g := r.cfg.Metrics.Connections.WithLabelValues(r.cfg.Name)
		g.Inc()
		defer g.Dec()
	}
	peer, _ := netip.ParseAddrPort(c.RemoteAddr().String())
	if tc, ok := c.(*tls.Conn); ok {
		hctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err := tc.HandshakeContext(hctx)
		cancel()
		if err != nil {
			r.cfg.Metrics.reject(r.cfg.Name, "tls_handshake")
			r.cfg.Logger.Debug("syslog tls handshake failed", "peer", peer, "err", err)
			return
		}
	}
	src, ok := r.cfg.Resolve(peer.Addr().Unmap())
	if !ok {
		r.cfg.Metrics.reject(r.cfg.Name, "unknown_source")
		return
	}
	peerStr := peer.String()
	f := NewFramer(c, r.cfg.Framing, r.cfg.MaxMessage)
	for {
		msg, err := f.Next()
		if err != nil {
			var fe *FrameError
			if errors.As(err, &fe) {
				r.cfg.Metrics.reject(r.cfg.Name, fe.Reason)
				continue
			}
			if errors.Is(err, io.ErrUnexpectedEOF) {
				r.cfg.Metrics.reject(r.cfg.Name, "truncated")
			}
			return
		}
		if err := r.emit(ctx, src, peerStr, msg); err != nil {
			return
		}
	}
}
