// Package vuln matches assets to vulnerabilities and scores them: it reads NVD
// CVE API 2.0 records (CPE configurations with version ranges and AND nodes
// such as firmware on hardware), the CISA Known Exploited Vulnerabilities
// catalog and CISA CSAF advisories (ICSMA, medical devices), matches asset
// fingerprints (product + version or CPE) against them with a reason for each
// match, and computes the priority of a finding from severity, asset value and
// exploitability (R7.3, R8). Scanner report importers live in vuln/importer.
package vuln
