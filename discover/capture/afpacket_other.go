//go:build !linux

package capture

import (
	"errors"
	"io"
)

// Live is not available on this platform.
type Live struct{ SkipOutgoing bool }

// LiveOptions tune OpenLive.
type LiveOptions struct {
	Snaplen     int
	Promiscuous bool
	RcvBuf      int
}

// ErrNoLive reports that live capture needs Linux (AF_PACKET).
var ErrNoLive = errors.New("live capture needs Linux (AF_PACKET)")

// OpenLive fails: live capture needs Linux.
func OpenLive(name string, opt LiveOptions) (*Live, error) { return nil, ErrNoLive }

// Next returns io.EOF.
func (l *Live) Next() (Frame, error) { return Frame{}, io.EOF }

// Stats returns nothing.
func (l *Live) Stats() (uint64, uint64, error) { return 0, 0, ErrNoLive }

// Close does nothing.
func (l *Live) Close() error { return nil }
