module bianque/bench/sigmago

go 1.26.8

require (
	bianque v0.0.0
	github.com/bradleyjkemp/sigma-go v0.6.6
)

require (
	github.com/BobuSumisu/aho-corasick v1.0.3 // indirect
	github.com/PaesslerAG/gval v1.0.0 // indirect
	github.com/PaesslerAG/jsonpath v0.1.1 // indirect
	github.com/alecthomas/participle v0.7.1 // indirect
	gopkg.in/yaml.v3 v3.0.1 // indirect
)

replace bianque => ../..
