package detect

import (
	"sync"
	"sync/atomic"
	"testing"

	"bianque/detect/sigma"
)

// TestHotReload swaps rule sets while other goroutines match: every event
// is matched by exactly one complete set, none is lost.
func TestHotReload(t *testing.T) {
	ruleFor := func(id string) []*sigma.Rule {
		rules, errs := sigma.Parse(id+".yml", []byte(`title: Rule `+id+`
id: `+id+`
logsource: {product: windows, category: process_creation}
detection:
    a: {Image|endswith: '\x.exe'}
    b: {CommandLine|contains: 'go'}
    condition: a and b
level: low
`))
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		return rules
	}
	e := New(Options{})
	sets := []*RuleSet{e.Compile(ruleFor("set-a")), e.Compile(ruleFor("set-b"))}
	e.Swap(sets[0])
	ev := sysmon(map[string]string{"Image": `C:\x.exe`, "CommandLine": "go"})
	const workers, perWorker = 2, 20000
	var matched, seenA, seenB atomic.Int64
	var wg sync.WaitGroup
	stop := make(chan struct{})
	go func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
				e.Swap(sets[i%2])
			}
		}
	}()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var ms []Match
			for i := 0; i < perWorker; i++ {
				ms = e.Match(ev, ms[:0])
				if len(ms) != 1 {
					t.Errorf("event matched %d rules during a reload", len(ms))
					return
				}
				matched.Add(1)
				if ms[0].Rule.ID == "set-a" {
					seenA.Add(1)
				} else {
					seenB.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	if matched.Load() != workers*perWorker {
		t.Fatalf("%d of %d events matched", matched.Load(), workers*perWorker)
	}
	t.Logf("matched by set A %d, by set B %d", seenA.Load(), seenB.Load())
}
