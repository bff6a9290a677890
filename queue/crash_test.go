package queue_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"bianque/queue"
)

// The crash test runs this test binary again as a child that publishes and
// consumes until it is killed with SIGKILL, then checks in the parent that
// every message the child was told was published is either delivered again
// or was handed to Ack: nothing acknowledged to a publisher is lost. The
// child announces a batch before acknowledging it, because the kill can land
// after Ack has made the batch durable but before the child could say so.
const crashChildEnv = "BIANQUE_QUEUE_CRASH_CHILD"

func TestMain(m *testing.M) {
	if dir := os.Getenv(crashChildEnv); dir != "" {
		crashChild(dir)
		return
	}
	os.Exit(m.Run())
}

func crashChild(dir string) {
	q, err := queue.OpenLocal(dir, queue.LocalOptions{SegmentSize: 32 << 10})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	ctx := context.Background()
	go func() {
		for {
			ds, err := q.Fetch(ctx, 50, time.Second)
			if err != nil {
				return
			}
			ids := make([]string, len(ds))
			for i, d := range ds {
				ids[i] = d.ID
			}
			fmt.Println("acking", strings.Join(ids, ","))
			if err := q.Ack(ctx, ds); err != nil {
				return
			}
			fmt.Println("acked", strings.Join(ids, ","))
		}
	}()
	start, _ := strconv.Atoi(os.Getenv("BIANQUE_QUEUE_CRASH_START"))
	for i := start; ; i += 20 {
		batch := make([]queue.Message, 20)
		for j := range batch {
			batch[j] = queue.Message{ID: strconv.Itoa(i + j), Key: "t", Data: fmt.Appendf(nil, "payload-%d", i+j)}
		}
		if err := q.Publish(ctx, batch); err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		fmt.Println("published", i+20)
	}
}

func TestLocalCrashRecovery(t *testing.T) {
	dir := t.TempDir()
	published := 0
	acked := map[string]bool{}  // Ack returned
	acking := map[string]bool{} // handed to Ack, which may or may not have finished
	for round := 0; round < 3; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), crashChildEnv+"="+dir, "BIANQUE_QUEUE_CRASH_START="+strconv.Itoa(published))
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		target := published + 3000 + round*1000
		killed := false
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			switch f[0] {
			case "published":
				n, _ := strconv.Atoi(f[1])
				published = n
				if n >= target && !killed {
					cmd.Process.Signal(syscall.SIGKILL)
					killed = true
				}
			case "acking":
				for _, id := range strings.Split(f[1], ",") {
					acking[id] = true
				}
			case "acked":
				for _, id := range strings.Split(f[1], ",") {
					acked[id] = true
				}
			case "error":
				t.Fatalf("child: %s", sc.Text())
			}
		}
		cmd.Wait()
		if !killed {
			t.Fatalf("round %d: child ended before it was killed", round)
		}
	}
	q, err := queue.OpenLocal(dir, queue.LocalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	remaining := map[string]bool{}
	for {
		ds, err := q.Fetch(context.Background(), 1000, 200*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		if len(ds) == 0 {
			break
		}
		for _, d := range ds {
			if want := "payload-" + d.ID; string(d.Data) != want {
				t.Fatalf("message %s has data %q, want %q", d.ID, d.Data, want)
			}
			remaining[d.ID] = true
		}
		q.Ack(context.Background(), ds)
	}
	lost, unconfirmed := 0, 0
	for i := 0; i < published; i++ {
		id := strconv.Itoa(i)
		if acking[id] && !acked[id] && !remaining[id] {
			unconfirmed++ // the kill landed after Ack finished, before the child reported it
		}
		if !acking[id] && !remaining[id] {
			lost++
			if lost < 5 {
				t.Errorf("message %s was published (fsynced) but is neither acknowledged nor delivered after the crash", id)
			}
		}
	}
	if lost > 0 {
		t.Fatalf("%d of %d published messages lost", lost, published)
	}
	if unconfirmed > 3*50 {
		t.Errorf("%d messages acknowledged without a report; at most one fetch of 50 per crash can be", unconfirmed)
	}
	t.Logf("%d published over 3 crashes; %d acknowledged before a crash (%d of them unreported), %d delivered after recovery",
		published, len(acked)+unconfirmed, unconfirmed, len(remaining))
	segs, _ := filepath.Glob(filepath.Join(dir, "*.seg"))
	if len(segs) > 2 {
		t.Errorf("%d segments left after everything was acknowledged", len(segs))
	}
}

func TestLocalTornWrite(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	q, err := queue.OpenLocal(dir, queue.LocalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Publish(ctx, []queue.Message{{ID: "1", Data: []byte("one")}, {ID: "2", Data: []byte("two")}}); err != nil {
		t.Fatal(err)
	}
	q.Close()
	segs, _ := filepath.Glob(filepath.Join(dir, "*.seg"))
	f, err := os.OpenFile(segs[len(segs)-1], os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte{40, 0, 0, 0, 1, 2, 3, 4, 'p', 'a', 'r'}) // a record header and part of its body
	f.Close()

	q, err = queue.OpenLocal(dir, queue.LocalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	if err := q.Publish(ctx, []queue.Message{{ID: "3", Data: []byte("three")}}); err != nil {
		t.Fatal(err)
	}
	ds, err := q.Fetch(ctx, 10, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range ds {
		got = append(got, d.ID+"="+string(d.Data))
	}
	if strings.Join(got, " ") != "1=one 2=two 3=three" {
		t.Fatalf("after a torn write: %v", got)
	}
}
