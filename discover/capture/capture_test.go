package capture

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"bianque/discover/decode"
	"bianque/internal/testutil"
)

func count(t *testing.T, r io.Reader) (int, []Frame) {
	t.Helper()
	src, err := Open(r)
	if err != nil {
		t.Fatal(err)
	}
	var frames []Frame
	for {
		fr, err := src.Next()
		if errors.Is(err, io.EOF) {
			return len(frames), frames
		}
		if err != nil {
			t.Fatal(err)
		}
		fr.Data = bytes.Clone(fr.Data)
		frames = append(frames, fr)
	}
}

// TestCorpusFrameCounts reads every corpus capture (pcap and pcapng) and
// compares the frame count with the manifest.
func TestCorpusFrameCounts(t *testing.T) {
	dir := filepath.Join(testutil.Corpora(t), "pcap")
	raw, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Captures []struct {
			File    string `json:"file"`
			Packets int    `json:"packets"`
		} `json:"captures"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range m.Captures {
		f, err := os.Open(filepath.Join(dir, c.File))
		if err != nil {
			continue // held-out captures are listed but not shipped
		}
		got, _ := count(t, f)
		f.Close()
		if got != c.Packets {
			t.Errorf("%s: %d frames, manifest says %d", c.File, got, c.Packets)
		}
		n++
	}
	if n < 30 {
		t.Fatalf("only %d captures read", n)
	}
}

func TestWriteReadRoundTrip(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 123456000, time.UTC)
	frames := [][]byte{[]byte("first frame"), []byte("second"), make([]byte, 1500)}
	var pc, ng bytes.Buffer
	pw, _ := NewPcapWriter(&pc, decode.LinkEthernet)
	nw, _ := NewPcapngWriter(&ng, decode.LinkEthernet)
	for i, f := range frames {
		ts := t0.Add(time.Duration(i) * time.Second)
		if err := pw.WritePacket(ts, f); err != nil {
			t.Fatal(err)
		}
		if err := nw.WritePacket(ts, f); err != nil {
			t.Fatal(err)
		}
	}
	for name, buf := range map[string]*bytes.Buffer{"pcap": &pc, "pcapng": &ng} {
		n, got := count(t, bytes.NewReader(buf.Bytes()))
		if n != len(frames) {
			t.Fatalf("%s: %d frames", name, n)
		}
		for i := range frames {
			if !bytes.Equal(got[i].Data, frames[i]) || !got[i].Time.Equal(t0.Add(time.Duration(i)*time.Second)) || got[i].Link != decode.LinkEthernet {
				t.Errorf("%s frame %d: %v %q", name, i, got[i].Time, got[i].Data[:min(10, len(got[i].Data))])
			}
		}
	}
}

func TestBigEndianMicrosecondPcap(t *testing.T) {
	var b bytes.Buffer
	h := make([]byte, 24)
	binary.BigEndian.PutUint32(h[0:], 0xa1b2c3d4)
	binary.BigEndian.PutUint16(h[4:], 2)
	binary.BigEndian.PutUint16(h[6:], 4)
	binary.BigEndian.PutUint32(h[16:], 65535)
	binary.BigEndian.PutUint32(h[20:], 1)
	b.Write(h)
	r := make([]byte, 16)
	binary.BigEndian.PutUint32(r[0:], 1700000000)
	binary.BigEndian.PutUint32(r[4:], 250000)
	binary.BigEndian.PutUint32(r[8:], 3)
	binary.BigEndian.PutUint32(r[12:], 3)
	b.Write(r)
	b.WriteString("abc")
	_, got := count(t, &b)
	if len(got) != 1 || string(got[0].Data) != "abc" || got[0].Time != time.Unix(1700000000, 250000000).UTC() {
		t.Fatalf("got %+v", got)
	}
}

func TestCorruptCaptures(t *testing.T) {
	for name, data := range map[string][]byte{
		"empty":     {},
		"not pcap":  []byte("GET / HTTP/1.1\r\n"),
		"huge":      append(bytes.Clone(pcapHeader()), 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0),
		"truncated": append(bytes.Clone(pcapHeader()), 0, 0, 0, 0, 0, 0, 0, 0, 10, 0, 0, 0, 10, 0, 0, 0, 1, 2),
	} {
		src, err := Open(bytes.NewReader(data))
		if err != nil {
			continue
		}
		if _, err := src.Next(); err == nil || errors.Is(err, io.EOF) && name != "empty" {
			t.Errorf("%s: Next gave %v", name, err)
		}
	}
}

func pcapHeader() []byte {
	var b bytes.Buffer
	w, _ := NewPcapWriter(&b, decode.LinkEthernet)
	_ = w
	return b.Bytes()
}

func FuzzRead(f *testing.F) {
	var pc, ng bytes.Buffer
	pw, _ := NewPcapWriter(&pc, decode.LinkEthernet)
	nw, _ := NewPcapngWriter(&ng, decode.LinkEthernet)
	pw.WritePacket(time.Unix(1, 0), []byte("frame"))
	nw.WritePacket(time.Unix(1, 0), []byte("frame"))
	f.Add(pc.Bytes())
	f.Add(ng.Bytes())
	if dir := os.Getenv("BIANQUE_CORPORA"); dir != "" {
		if b, err := os.ReadFile(filepath.Join(dir, "pcap", "ndpi_sonos.pcapng")); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		src, err := Open(bytes.NewReader(b))
		if err != nil {
			return
		}
		for range 10000 {
			if _, err := src.Next(); err != nil {
				return
			}
		}
	})
}
