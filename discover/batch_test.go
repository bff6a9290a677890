package discover_test

import (
	"testing"
	"time"

	"bianque/discover"
)

// FuzzDecodeBatch: whatever a collector sends, decoding never panics, and a
// batch that decodes encodes and decodes again to the same devices and flows.
func FuzzDecodeBatch(f *testing.F) {
	b := &discover.Batch{At: time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC),
		Devices: []discover.Device{{IP: "10.1.0.10", Address: discover.AddrUnicast, DeviceType: "ct",
			Identities: discover.Identities{"dicom": {"calling_ae": {"CT01"}}}}},
		Flows: []discover.Flow{{Client: "10.1.0.10", Server: "10.1.0.50", Transport: "tcp", Port: 104, App: []string{"dicom"}, Bytes: 100}}}
	enc, err := discover.EncodeBatch(b)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(enc)
	f.Add([]byte(`{"at":"2025-03-01T08:00:00Z","devices":[{"macs":["02:00:00:00:00:01"],"address":"none"}]}`))
	f.Add([]byte(`{"at":null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := discover.DecodeBatch(data)
		if err != nil {
			return
		}
		again, err := discover.EncodeBatch(d)
		if err != nil {
			t.Fatal(err)
		}
		d2, err := discover.DecodeBatch(again)
		if err != nil {
			t.Fatalf("re-encoded batch does not decode: %v", err)
		}
		if len(d2.Devices) != len(d.Devices) || len(d2.Flows) != len(d.Flows) || !d2.At.Equal(d.At) {
			t.Fatalf("round trip changed the batch")
		}
	})
}
