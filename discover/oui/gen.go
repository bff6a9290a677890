//go:build ignore

// Gen writes the compact embedded OUI table from the IEEE MA-L registry CSV
// (the public IEEE listing, as shipped by Debian's ieee-data package).
//
//	go run gen.go -in ieee-oui.csv -out ieee-ma-l.bin.gz
package main

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/csv"
	"flag"
	"log"
	"os"
	"sort"
	"strconv"
	"strings"
)

func main() {
	in := flag.String("in", "", "IEEE MA-L CSV")
	out := flag.String("out", "ieee-ma-l.bin.gz", "output file")
	flag.Parse()
	f, err := os.Open(*in)
	if err != nil {
		log.Fatal(err)
	}
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	recs, err := r.ReadAll()
	if err != nil {
		log.Fatal(err)
	}
	byPrefix := map[uint32]string{}
	for _, rec := range recs {
		if len(rec) < 3 || rec[0] != "MA-L" || len(rec[1]) != 6 {
			continue
		}
		v, err := strconv.ParseUint(rec[1], 16, 32)
		if err != nil {
			continue
		}
		byPrefix[uint32(v)] = strings.TrimSpace(rec[2])
	}
	prefixes := make([]uint32, 0, len(byPrefix))
	nameIdx := map[string]int{}
	var names []string
	for p, n := range byPrefix {
		prefixes = append(prefixes, p)
		if _, ok := nameIdx[n]; !ok {
			nameIdx[n] = -1
		}
	}
	for n := range nameIdx {
		names = append(names, n)
	}
	sort.Strings(names)
	for i, n := range names {
		nameIdx[n] = i
	}
	if len(names) > 65535 {
		log.Fatal("too many names for uint16 indexes")
	}
	sort.Slice(prefixes, func(i, j int) bool { return prefixes[i] < prefixes[j] })
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, uint32(len(prefixes)))
	for _, p := range prefixes {
		b.Write([]byte{byte(p >> 16), byte(p >> 8), byte(p)})
		binary.Write(&b, binary.LittleEndian, uint16(nameIdx[byPrefix[p]]))
	}
	binary.Write(&b, binary.LittleEndian, uint32(len(names)))
	for _, n := range names {
		b.WriteString(n)
		b.WriteByte(0)
	}
	var z bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&z, gzip.BestCompression)
	zw.Write(b.Bytes())
	zw.Close()
	if err := os.WriteFile(*out, z.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
	log.Printf("%d prefixes, %d names, %d bytes", len(prefixes), len(names), z.Len())
}
