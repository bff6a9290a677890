// Command benchgen writes the discovery benchmark capture: the shared pcap
// corpus looped to -packets frames (see package benchgen).
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"

	"bianque/discover/internal/benchgen"
)

func main() {
	corpus := flag.String("corpus", "../shared/corpora/pcap", "pcap corpus directory")
	out := flag.String("o", "discover-bench.pcap", "output pcap")
	n := flag.Int("packets", 2_000_000, "frames to write")
	flag.Parse()
	frames, err := benchgen.Load(*corpus)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchgen:", err)
		os.Exit(1)
	}
	f, err := os.Create(*out)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchgen:", err)
		os.Exit(1)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	if err := benchgen.Write(w, benchgen.Loop(frames, *n)); err != nil {
		fmt.Fprintln(os.Stderr, "benchgen:", err)
		os.Exit(1)
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, "benchgen:", err)
		os.Exit(1)
	}
	if err := f.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "benchgen:", err)
		os.Exit(1)
	}
	fmt.Printf("%d corpus frames looped to %d packets in %s\n", len(frames), *n, *out)
}
