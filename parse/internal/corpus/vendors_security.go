package corpus

// Products of security appliances and endpoint suites added in their own
// file, so that the keys of productVendor keep their alignment.
func init() {
	for product, vendor := range map[string]string{
		"cef":                         "cef",
		"cisco-meraki":                "cisco-meraki",
		"trend-micro-apex-one":        "trend-micro-apex-one",
		"trellix-epo-on-prem":         "trellix-epo",
		"barracuda-cloudgen-firewall": "barracuda-cloudgen-firewall",
		"imperva-waf":                 "imperva-waf",
		"ddi":                         "infoblox-ddi",
		"eset_protect":                "eset-protect",
		"claroty-xdome":               "claroty-xdome",
		"sophos edr":                  "sophos-central",
		"aruba-os":                    "aruba-os",
		"forcepoint-ngfw":             "forcepoint-ngfw",
		"aioniq":                      "gatewatcher-aioniq",
		"darktrace-threat-visualizer": "darktrace",
		"kaspersky_endpoint_security": "kaspersky-endpoint-security",
	} {
		productVendor[product] = vendor
	}
}
