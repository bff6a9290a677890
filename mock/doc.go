// Package mock holds function-field mocks of the root package's interfaces:
// each method calls the field of its name plus Fn, so a test sets only the
// calls it expects and records or checks arguments in its own closures.
// Interface guards keep the mocks in step with the interfaces; regenerate
// with go generate after changing an interface.
package mock

//go:generate go run ./internal/gen mock.go Store TenantService UserService TicketService AssetService AuditService AuthService DashboardService FindingService ScanService ComponentService DeadLetterService AlertService RuleService IndicatorService EventService TenantExportService
