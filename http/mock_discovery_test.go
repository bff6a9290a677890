package http

import "bianque/discover/inventory"

// noDiscovery is a discovery service whose every method panics (like the
// generated mocks): it registers the routes for tests that only look at
// the route table.
type noDiscovery struct{ inventory.Service }
