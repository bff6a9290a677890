package corpus

// Products of application delivery (load balancers, web application
// firewalls, web servers), endpoint agents and OCSF exports, added in their
// own file so that the keys of productVendor keep their alignment.
func init() {
	for product, vendor := range map[string]string{
		"stormshield-endpoint-security": "stormshield-ses",
		"ocsf":                          "ocsf",
		"f5-big-ip":                     "f5-bigip",
		"haproxy":                       "haproxy",
		"fortiweb":                      "fortinet-fortiweb",
		"microsoft-iis":                 "microsoft-iis",
	} {
		productVendor[product] = vendor
	}
}
