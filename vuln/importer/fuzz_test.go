package importer

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"bianque/internal/testutil"
)

// fuzzFormat fuzzes one importer, seeded with the corpus reports of that
// format (read in place) and a few hand-made fragments. A parser may reject
// input with an error; it must never panic or return an invalid finding.
func fuzzFormat(f *testing.F, format string, extra ...string) {
	{
		root := testutil.Env("BIANQUE_CORPORA", filepath.Join(testutil.RepoRoot(), "..", "shared", "corpora"))
		root = filepath.Join(root, "vuln", "scanner-reports")
		if raw, err := os.ReadFile(filepath.Join(root, "manifest.json")); err == nil {
			var m corpusManifest
			if json.Unmarshal(raw, &m) == nil {
				for _, cf := range m.Files {
					if corpusFormats[cf.Format] != format {
						continue
					}
					if b, err := os.ReadFile(filepath.Join(root, cf.File)); err == nil && len(b) < 300_000 {
						f.Add(b)
					}
				}
			}
		}
	}
	for _, e := range extra {
		f.Add([]byte(e))
	}
	f.Add([]byte{})
	fm, ok := Lookup(format)
	if !ok {
		f.Fatalf("no format %s", format)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		res, err := Parse(b, "fuzz", fm.Name)
		if err != nil {
			return
		}
		for _, fd := range res.Findings {
			if !fd.Severity.Valid() || fd.Scanner == "" || fd.Key == "" || fd.Count < 1 {
				t.Fatalf("unfinished finding %+v", fd)
			}
		}
		_, _ = Detect(b, "fuzz")
	})
}

func FuzzNmapXML(f *testing.F) {
	fuzzFormat(f, "nmap-xml", `<nmaprun><host><address addr="10.0.0.1" addrtype="ipv4"/><ports><port protocol="tcp" portid="22"><state state="open"/></port></ports></host></nmaprun>`)
}
func FuzzNessusXML(f *testing.F) {
	fuzzFormat(f, "nessus-xml", `<NessusClientData_v2><Report><ReportHost name="h"><ReportItem port="443" svc_name="www" protocol="tcp" severity="2" pluginID="1" pluginName="x"/></ReportHost></Report></NessusClientData_v2>`)
}
func FuzzNessusCSV(f *testing.F) {
	fuzzFormat(f, "nessus-csv", "Plugin ID,CVE,Risk,Host,Protocol,Port,Name,Synopsis,Solution\n1,CVE-2020-1234,High,h,tcp,80,x,y,z\n")
}
func FuzzOpenVASXML(f *testing.F) {
	fuzzFormat(f, "openvas-xml", `<report><report><results><result><name>n</name><host>1.2.3.4</host><port>80/tcp</port><threat>High</threat></result></results></report></report>`)
}
func FuzzOpenVASCSV(f *testing.F) {
	fuzzFormat(f, "openvas-csv", "IP,Hostname,Port,Port Protocol,CVSS,Severity,NVT Name,NVT OID,CVEs\n1.2.3.4,,22,tcp,5.0,Medium,x,1.3.6,CVE-2020-1\n")
}
func FuzzNuclei(f *testing.F) {
	fuzzFormat(f, "nuclei-json", `{"template-id":"x","info":{"name":"n","severity":"high","tags":"a,b","classification":{"cve-id":["cve-2021-1"],"cvss-score":7.5}},"matched-at":"https://h:8443/p","type":"http"}`)
}
func FuzzMasscan(f *testing.F) {
	fuzzFormat(f, "masscan-json", `[{"ip":"1.2.3.4","ports":[{"port":80,"proto":"tcp","status":"open"}]},]`)
}
func FuzzNaabu(f *testing.F) {
	fuzzFormat(f, "naabu-json", `{"ip":"1.2.3.4","port":80,"protocol":"tcp"}`)
}
func FuzzHydra(f *testing.F) {
	fuzzFormat(f, "hydra-json", `{"generator":{"software":"Hydra"},"results":[{"host":"h","login":"u","password":"p","port":22,"service":"ssh"}]}`)
}
func FuzzTrivy(f *testing.F) {
	fuzzFormat(f, "trivy-json", `{"SchemaVersion":2,"Results":[{"Target":"t","Vulnerabilities":[{"VulnerabilityID":"CVE-1-1","PkgName":"p","Severity":"HIGH"}]}]}`)
}
func FuzzZAP(f *testing.F) {
	fuzzFormat(f, "zap-xml", `<OWASPZAPReport><site name="http://h"><alerts><alertitem><pluginid>1</pluginid><alert>a</alert><riskcode>2</riskcode><instances><instance><uri>http://h/x</uri></instance></instances></alertitem></alerts></site></OWASPZAPReport>`)
}
func FuzzBurp(f *testing.F) {
	fuzzFormat(f, "burp-xml", `<issues burpVersion="1"><issue><serialNumber>1</serialNumber><type>2</type><name>n</name><host>http://h</host><path>/</path><severity>High</severity></issue></issues>`)
}
func FuzzNexpose(f *testing.F) {
	fuzzFormat(f, "nexpose-xml", `<NexposeReport version="2.0"><nodes><node address="1.2.3.4"><tests><test id="x" status="vulnerable-exploited"/></tests></node></nodes><VulnerabilityDefinitions><vulnerability id="x" title="t" severity="7"/></VulnerabilityDefinitions></NexposeReport>`)
}
func FuzzAcunetixXML(f *testing.F) {
	fuzzFormat(f, "acunetix-xml", `<ScanGroup><Scan><StartURL>https://h</StartURL><ReportItems><ReportItem><Name>n</Name><Affects>/a</Affects><Severity>high</Severity></ReportItem></ReportItems></Scan></ScanGroup>`)
}
func FuzzAcunetixJSON(f *testing.F) {
	fuzzFormat(f, "acunetix-json", `{"Generated":"x","Target":{"Url":"http://h/"},"Vulnerabilities":[{"Name":"n","Severity":"Critical","Url":"http://h/a?b=%3d","Classification":{"Cwe":"89, 20"}}]}`)
}
func FuzzQualysXML(f *testing.F) {
	fuzzFormat(f, "qualys-xml", `<ASSET_DATA_REPORT><HOST_LIST><HOST><IP>1.2.3.4</IP><VULN_INFO_LIST><VULN_INFO><QID id="qid_1">1</QID><TYPE>Vuln</TYPE></VULN_INFO></VULN_INFO_LIST></HOST></HOST_LIST><GLOSSARY><VULN_DETAILS_LIST><VULN_DETAILS id="qid_1"><QID>1</QID><TITLE>t</TITLE><SEVERITY>4</SEVERITY></VULN_DETAILS></VULN_DETAILS_LIST></GLOSSARY></ASSET_DATA_REPORT>`)
}
func FuzzQualysCSV(f *testing.F) {
	fuzzFormat(f, "qualys-csv", "\"IP\",\"DNS\",\"QID\",\"Title\",\"Vuln Status\",\"Severity\",\"Port\"\n\"1.2.3.4\",\"h\",\"1\",\"t\",\"Active\",\"5\",\"80\"\n")
}
func FuzzQualysVMDR(f *testing.F) {
	fuzzFormat(f, "qualys-vmdr-csv", "\"Asset Vuln Datalist Report\"\n\"QID\",\"Title\",\"Severity\",\"Asset IPV4\",\"Port\"\n\"1\",\"t\",\"3\",\"10.0.0.1,10.0.0.2\",\"0\"\n")
}
func FuzzQualysWebGUI(f *testing.F) {
	fuzzFormat(f, "qualys-webgui-xml", `<SCAN value="scan/1"><IP value="1.2.3.4"><VULNS><CAT port="80" protocol="tcp"><VULN number="1" severity="5"><TITLE>t</TITLE></VULN></CAT></VULNS></IP></SCAN>`)
}
