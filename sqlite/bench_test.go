package sqlite_test

import (
	"testing"

	"bianque/storetest"
)

// BenchmarkAppendEvents: see storetest.BenchAppendEvents.
func BenchmarkAppendEvents(b *testing.B) { storetest.BenchAppendEvents(b, storetest.NewSQLite(b)) }

// BenchmarkSearchEvents: see storetest.BenchSearchEvents.
func BenchmarkSearchEvents(b *testing.B) { storetest.BenchSearchEvents(b, storetest.NewSQLite(b)) }
