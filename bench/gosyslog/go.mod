module bianque/bench/gosyslog

go 1.26.8

require bianque v0.0.0

require (
	github.com/leodido/go-syslog/v4 v4.5.0
	golang.org/x/text v0.43.0 // indirect
	gopkg.in/yaml.v3 v3.0.1 // indirect
)

replace bianque => ../..
