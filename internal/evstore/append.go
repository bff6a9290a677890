package evstore

import (
	"encoding/binary"
	"fmt"
	"slices"
	"time"

	"bianque"
	"bianque/event"
)

// DayBatch is the part of an append that goes to one day's partition:
// the events as items (newest first, each key once) and their blocks,
// compressed ahead of the transaction. Item i goes to block
// BlockOfItem(i).
type DayBatch struct {
	Day    time.Time
	Items  []Item
	Blocks []Block
	raws   [][]byte // the uncompressed blocks Items point into
}

// Release gives the batch's buffers back for reuse; the batch (its items
// and its blocks' data) is unusable after.
func (d *DayBatch) Release() {
	for _, r := range d.raws {
		putBuf(r)
	}
	d.raws, d.Items, d.Blocks = nil, nil, nil
}

// Prepare turns an append into day batches (oldest day first): keys,
// records, sort, blocks. It does the CPU work of an append before the
// store takes any lock. Events without event.id or time are EINVALID.
func Prepare(events []*event.Event) ([]*DayBatch, error) {
	if len(events) == 0 {
		return nil, nil
	}
	type keyed struct {
		k bianque.EventKey
		e *event.Event
	}
	ks := make([]keyed, len(events))
	for i, e := range events {
		if e == nil {
			return nil, bianque.Errorf(bianque.EINVALID, "nil event")
		}
		k, err := bianque.EventKeyOf(e)
		if err != nil {
			return nil, err
		}
		ks[i] = keyed{k, e}
	}
	slices.SortStableFunc(ks, func(a, b keyed) int { return compareDesc(a.k, b.k) })
	ks = slices.CompactFunc(ks, func(a, b keyed) bool { return a.k == b.k })

	var out []*DayBatch
	var rec []byte
	for len(ks) > 0 {
		day := dayOfNanos(ks[0].k.TS)
		j := 1
		for j < len(ks) && ks[j].k.TS >= day.UnixNano() {
			j++
		}
		d := &DayBatch{Day: day, Items: make([]Item, j)}
		for lo := 0; lo < j; lo += BlockEvents {
			hi := min(lo+BlockEvents, j)
			raw := getBuf(1500 * (hi - lo))
			raw = binary.AppendUvarint(raw, uint64(hi-lo))
			for i := lo; i < hi; i++ {
				var err error
				if rec, err = AppendRecord(rec[:0], ks[i].e); err != nil {
					return nil, bianque.WrapError(bianque.EINVALID, err, "encode event %s", ks[i].e.Str(event.EventID))
				}
				raw = appendItem(raw, ks[i].k, rec)
				d.Items[i] = Item{Key: ks[i].k, Rec: raw[len(raw)-len(rec):]}
			}
			b := seal(raw, hi-lo, ks[hi-1].k.TS, ks[lo].k.TS)
			d.Blocks = append(d.Blocks, b)
			d.raws = append(d.raws, raw, b.Data)
		}
		out = append(out, d)
		ks = ks[j:]
	}
	slices.Reverse(out)
	return out, nil
}

func dayOfNanos(ts int64) time.Time { return bianque.DayOf(time.Unix(0, ts)) }

// DayBounds returns the first and last nanosecond of a day.
func DayBounds(day time.Time) (lo, hi int64) {
	day = bianque.DayOf(day)
	return day.UnixNano(), day.AddDate(0, 0, 1).UnixNano() - 1
}

// Keep reduces the batch to the items whose keys were new (as the key
// table's insert reported them) and rebuilds the blocks that lost items;
// every kept item stays in the block it was assigned to (BlockOfItem), whose
// index in Blocks is unchanged, and a block that lost every item has N = 0
// and must not be stored. It returns how many items remain.
func (d *DayBatch) Keep(inserted map[bianque.EventKey]bool) int {
	kept := 0
	var scratch []byte
	for bi := range d.Blocks {
		lo := bi * BlockEvents
		hi := min(lo+BlockEvents, len(d.Items))
		var keep []Item
		for _, it := range d.Items[lo:hi] {
			if inserted[it.Key] {
				keep = append(keep, it)
			}
		}
		kept += len(keep)
		switch {
		case len(keep) == hi-lo:
		case len(keep) == 0:
			d.Blocks[bi] = Block{}
		default:
			d.Blocks[bi], scratch = EncodeBlock(keep, scratch)
			d.raws = append(d.raws, d.Blocks[bi].Data)
		}
	}
	return kept
}

// BlockOfItem returns the index of the block item i of the batch goes to.
func BlockOfItem(i int) int { return i / BlockEvents }

// String describes the batch for errors.
func (d *DayBatch) String() string {
	return fmt.Sprintf("%d events of %s", len(d.Items), d.Day.Format(time.DateOnly))
}
