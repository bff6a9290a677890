package ingest

import "bianque/ingest/ingesttest"

type memComponents = ingesttest.Components

func newMemComponents() *memComponents { return ingesttest.NewComponents() }
