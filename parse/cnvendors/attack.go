package cnvendors

import (
	"regexp"
	"strings"

	"bianque/event"
)

// attackClass is a standard attack type: the English name analysts search
// for, the Chinese name devices use, and the ATT&CK technique it maps to
// (empty when there is no faithful mapping).
type attackClass struct {
	en        string
	zh        string
	technique string // ATT&CK id, e.g. "T1190" or "T1505.003"
	malware   bool   // event.category malware rather than intrusion_detection
}

// technique is an ATT&CK Enterprise technique (v18.1 names; the table is
// checked against the ATT&CK corpus by the tests).
type technique struct {
	name       string
	tacticID   string
	tacticName string
}

// techniques holds the ATT&CK entries the classes use. Sub-techniques are
// stored under their full id; their parent's entry must exist too.
var techniques = map[string]technique{
	"T1190":     {"Exploit Public-Facing Application", "TA0001", "Initial Access"},
	"T1505":     {"Server Software Component", "TA0003", "Persistence"},
	"T1505.003": {"Web Shell", "TA0003", "Persistence"},
	"T1110":     {"Brute Force", "TA0006", "Credential Access"},
	"T1110.001": {"Password Guessing", "TA0006", "Credential Access"},
	"T1046":     {"Network Service Discovery", "TA0007", "Discovery"},
	"T1018":     {"Remote System Discovery", "TA0007", "Discovery"},
	"T1595":     {"Active Scanning", "TA0043", "Reconnaissance"},
	"T1595.002": {"Vulnerability Scanning", "TA0043", "Reconnaissance"},
	"T1595.003": {"Wordlist Scanning", "TA0043", "Reconnaissance"},
	"T1498":     {"Network Denial of Service", "TA0040", "Impact"},
	"T1498.001": {"Direct Network Flood", "TA0040", "Impact"},
	"T1498.002": {"Reflection Amplification", "TA0040", "Impact"},
	"T1499":     {"Endpoint Denial of Service", "TA0040", "Impact"},
	"T1499.002": {"Service Exhaustion Flood", "TA0040", "Impact"},
	"T1071":     {"Application Layer Protocol", "TA0011", "Command and Control"},
	"T1071.004": {"DNS", "TA0011", "Command and Control"},
	"T1572":     {"Protocol Tunneling", "TA0011", "Command and Control"},
	"T1496":     {"Resource Hijacking", "TA0040", "Impact"},
	"T1486":     {"Data Encrypted for Impact", "TA0040", "Impact"},
	"T1210":     {"Exploitation of Remote Services", "TA0008", "Lateral Movement"},
	"T1566":     {"Phishing", "TA0001", "Initial Access"},
	"T1557":     {"Adversary-in-the-Middle", "TA0006", "Credential Access"},
	"T1557.002": {"ARP Cache Poisoning", "TA0006", "Credential Access"},
	"T1068":     {"Exploitation for Privilege Escalation", "TA0004", "Privilege Escalation"},
	"T1136":     {"Create Account", "TA0003", "Persistence"},
	"T1070":     {"Indicator Removal", "TA0005", "Defense Evasion"},
	"T1003":     {"OS Credential Dumping", "TA0006", "Credential Access"},
	"T1568":     {"Dynamic Resolution", "TA0011", "Command and Control"},
	"T1568.002": {"Domain Generation Algorithms", "TA0011", "Command and Control"},
	"T1090":     {"Proxy", "TA0011", "Command and Control"},
	"T1090.003": {"Multi-hop Proxy", "TA0011", "Command and Control"},
	"T1048":     {"Exfiltration Over Alternative Protocol", "TA0010", "Exfiltration"},
	"T1219":     {"Remote Access Tools", "TA0011", "Command and Control"},
}

// Classes. The keys are stable identifiers used by the tests.
var (
	acSQLi       = &attackClass{"SQL Injection", "SQL注入", "T1190", false}
	acXSS        = &attackClass{"Cross-Site Scripting", "跨站脚本", "T1190", false}
	acCSRF       = &attackClass{"Cross-Site Request Forgery", "跨站请求伪造", "T1190", false}
	acCmdInj     = &attackClass{"Command Injection", "命令注入", "T1190", false}
	acCodeExec   = &attackClass{"Remote Code Execution", "代码执行", "T1190", false}
	acInjection  = &attackClass{"Injection", "注入攻击", "T1190", false}
	acFileIncl   = &attackClass{"File Inclusion", "文件包含", "T1190", false}
	acTraversal  = &attackClass{"Directory Traversal", "目录遍历", "T1190", false}
	acUpload     = &attackClass{"Malicious File Upload", "文件上传", "T1190", false}
	acWebAttack  = &attackClass{"Web Application Attack", "Web攻击", "T1190", false}
	acWebshell   = &attackClass{"Web Shell", "Webshell", "T1505.003", false}
	acBrute      = &attackClass{"Brute Force", "暴力破解", "T1110", false}
	acWeakPass   = &attackClass{"Weak Password", "弱口令", "T1110.001", false}
	acPortScan   = &attackClass{"Port Scan", "端口扫描", "T1046", false}
	acHostScan   = &attackClass{"Host Scan", "主机扫描", "T1018", false}
	acVulnScan   = &attackClass{"Vulnerability Scan", "漏洞扫描", "T1595.002", false}
	acScan       = &attackClass{"Scan", "扫描探测", "T1595", false}
	acDirProbe   = &attackClass{"Sensitive Path Probe", "敏感目录探测", "T1595.003", false}
	acInfoLeak   = &attackClass{"Information Disclosure", "信息泄露", "", false}
	acDDoS       = &attackClass{"Denial of Service", "拒绝服务", "T1498", false}
	acFlood      = &attackClass{"Network Flood", "洪泛攻击", "T1498.001", false}
	acReflect    = &attackClass{"Reflection Amplification", "反射放大攻击", "T1498.002", false}
	acAppDoS     = &attackClass{"Application Layer DoS", "应用层拒绝服务", "T1499.002", false}
	acC2         = &attackClass{"Command and Control", "远控/C&C通信", "T1071", true}
	acBotnet     = &attackClass{"Botnet", "僵尸网络", "T1071", true}
	acTrojan     = &attackClass{"Trojan", "木马", "T1071", true}
	acBackdoor   = &attackClass{"Backdoor", "后门", "T1071", true}
	acDNSTunnel  = &attackClass{"DNS Tunnel", "DNS隧道", "T1071.004", false}
	acTunnel     = &attackClass{"Covert Channel", "隐蔽通信", "T1572", false}
	acMining     = &attackClass{"Cryptomining", "挖矿", "T1496", true}
	acRansomware = &attackClass{"Ransomware", "勒索软件", "T1486", true}
	acWorm       = &attackClass{"Worm", "蠕虫", "T1210", true}
	acExploit    = &attackClass{"Exploit", "漏洞利用", "T1190", false}
	acRemoteExp  = &attackClass{"Remote Service Exploit", "远程溢出", "T1210", false}
	acVirus      = &attackClass{"Virus", "病毒", "", true}
	acMalware    = &attackClass{"Malware", "恶意软件", "", true}
	acSpyware    = &attackClass{"Spyware", "间谍软件", "", true}
	acPhishing   = &attackClass{"Phishing", "网络钓鱼", "T1566", false}
	acARPSpoof   = &attackClass{"ARP Spoofing", "ARP欺骗", "T1557.002", false}
	acPrivEsc    = &attackClass{"Privilege Escalation", "提权", "T1068", false}
	acNewAccount = &attackClass{"Account Creation", "创建用户", "T1136", false}
	acLogWipe    = &attackClass{"Log Deletion", "删除日志", "T1070", false}
	acCredDump   = &attackClass{"Credential Dumping", "凭证转储", "T1003", false}
	acDGA        = &attackClass{"DGA Domain", "DGA域名", "T1568.002", true}
	acTor        = &attackClass{"Tor", "Tor节点", "T1090.003", false}
	acProxy      = &attackClass{"Proxy", "代理", "T1090", false}
	acExfil      = &attackClass{"Data Exfiltration", "敏感信息外传", "T1048", false}
	acRAT        = &attackClass{"Remote Access Tool", "远程控制工具", "T1219", false}
	acMalURL     = &attackClass{"Malicious URL", "恶意网址", "", false}
	acMalIP      = &attackClass{"Malicious IP", "恶意IP", "", false}
	acProtoAnom  = &attackClass{"Protocol Anomaly", "协议异常", "", false}
	acCrawler    = &attackClass{"Web Crawler", "网络爬虫", "", false}
	acSpam       = &attackClass{"Spam", "垃圾邮件", "", false}
	acOverflow   = &attackClass{"Buffer Overflow", "缓冲区溢出", "T1190", false}
	acAPT        = &attackClass{"Targeted Attack (APT)", "APT攻击", "", false}
)

// attackKeywords classify attack names and types; the first keyword found
// (in lower case) wins, so specific entries come before general ones.
var attackKeywords = []struct {
	kw string
	ac *attackClass
}{
	{"webshell", acWebshell}, {"web shell", acWebshell}, {"网马", acWebshell}, {"菜刀", acWebshell},
	{"chopper", acWebshell}, {"一句话木马", acWebshell}, {"web后门", acWebshell},
	{"dns隧道", acDNSTunnel}, {"dns 隧 道", acDNSTunnel}, {"dns tunnel", acDNSTunnel}, {"dnstunnel", acDNSTunnel},
	{"dns-tunnel", acDNSTunnel}, {"dns隐蔽", acDNSTunnel},
	{"sql注入", acSQLi}, {"sql injection", acSQLi}, {"sql inject", acSQLi}, {"sql_injection", acSQLi},
	{"sqlinject", acSQLi}, {"sqli", acSQLi}, {"注入式攻击", acSQLi},
	{"跨站脚本", acXSS}, {"xss", acXSS}, {"cross_site_script", acXSS}, {"cross site script", acXSS},
	{"跨站请求伪造", acCSRF}, {"csrf", acCSRF}, {"cross_site_request", acCSRF},
	{"命令注入", acCmdInj}, {"命令执行", acCmdInj}, {"command injection", acCmdInj}, {"cmdinject", acCmdInj},
	{"command_execution", acCmdInj}, {"os command", acCmdInj}, {"oscommand", acCmdInj},
	{"代码执行", acCodeExec}, {"code execution", acCodeExec}, {"code_execution", acCodeExec},
	{"文件包含", acFileIncl}, {"file inclusion", acFileIncl}, {"file_inclusion", acFileIncl},
	{"目录遍历", acTraversal}, {"路径遍历", acTraversal}, {"directory traversal", acTraversal},
	{"directory_traversal", acTraversal}, {"path traversal", acTraversal}, {"文件穿越", acTraversal},
	{"上传漏洞", acUpload}, {"文件上传", acUpload}, {"upload", acUpload},
	{"敏感目录", acDirProbe}, {"目录探测", acDirProbe}, {"敏感文件", acDirProbe}, {"备份文件", acDirProbe},
	{"弱口令", acWeakPass}, {"弱密码", acWeakPass}, {"weak password", acWeakPass}, {"weakpassword", acWeakPass},
	{"weak_password", acWeakPass}, {"默认用户名密码", acWeakPass}, {"脆弱口令", acWeakPass},
	{"暴力破解", acBrute}, {"暴力猜解", acBrute}, {"口令破解", acBrute}, {"密码破解", acBrute}, {"穷举", acBrute},
	{"brute", acBrute}, {"password attack", acBrute}, {"passwordattack", acBrute}, {"密码攻击", acBrute},
	{"口令猜测", acBrute}, {"crack", acBrute}, {"anti_bfa", acBrute},
	{"端口扫描", acPortScan}, {"port scan", acPortScan}, {"portscan", acPortScan}, {"syn_fin", acPortScan},
	{"synfinscan", acPortScan}, {"xmasscan", acPortScan}, {"nmap", acPortScan},
	{"主机扫描", acHostScan}, {"地址扫描", acHostScan}, {"ip scan", acHostScan}, {"ipscan", acHostScan},
	{"ping sweep", acHostScan}, {"icmpsweep", acHostScan}, {"系统扫描", acHostScan},
	{"漏洞扫描", acVulnScan}, {"vulnerability scan", acVulnScan}, {"vulnerabilityscan", acVulnScan},
	{"web扫描", acVulnScan}, {"webscan", acVulnScan}, {"web scan", acVulnScan}, {"scanner", acVulnScan},
	{"扫描器", acVulnScan}, {"webapplicationscan", acVulnScan},
	{"dga", acDGA}, {"domain generation", acDGA}, {"挖矿", acMining}, {"矿池", acMining}, {"coinmin", acMining}, {"miner", acMining},
	{"mining", acMining}, {"勒索", acRansomware}, {"ransom", acRansomware}, {"wannacry", acRansomware},
	{"僵尸网络", acBotnet}, {"botnet", acBotnet}, {"僵尸", acBotnet}, {"僵木蠕", acBotnet},
	{"远控", acC2}, {"c&c", acC2}, {"c2", acC2}, {"命令控制", acC2}, {"command and control", acC2},
	{"commandandcontrol", acC2}, {"木马控制", acC2}, {"木马通信", acC2}, {"后门通信", acC2},
	{"remote_access_trojan", acC2}, {"beacon", acC2}, {"domainc2", acC2},
	{"后门", acBackdoor}, {"backdoor", acBackdoor}, {"rootkit", acBackdoor},
	{"木马", acTrojan}, {"trojan", acTrojan}, {"spy.", acTrojan},
	{"蠕虫", acWorm}, {"worm", acWorm},
	{"隐蔽通信", acTunnel}, {"隐匿隧道", acTunnel}, {"隐蔽隧道", acTunnel}, {"covert", acTunnel},
	{"tunnel", acTunnel}, {"隧道", acTunnel},
	{"反射", acReflect}, {"reflect", acReflect}, {"amplif", acReflect},
	{"cc攻击", acAppDoS}, {"http flood", acAppDoS}, {"httpflood", acAppDoS}, {"webcc", acAppDoS},
	{"应用层ddos", acAppDoS}, {"慢速攻击", acAppDoS}, {"slow", acAppDoS}, {"dns query flood", acAppDoS},
	{"dnsqueryflood", acAppDoS},
	{"flood", acFlood}, {"洪泛", acFlood}, {"洪水", acFlood}, {"smurf", acFlood}, {"fraggle", acFlood},
	{"land攻击", acFlood}, {"landattack", acFlood}, {"ping of death", acFlood}, {"死亡之ping", acFlood},
	{"pingofdeath", acFlood}, {"teardrop", acFlood}, {"winnuke", acFlood}, {"jolt", acFlood},
	{"拒绝服务", acDDoS}, {"ddos", acDDoS}, {"dos攻击", acDDoS}, {"denial of service", acDDoS},
	{"sockstress", acDDoS},
	{"arp欺骗", acARPSpoof}, {"arp spoof", acARPSpoof}, {"arpspoof", acARPSpoof}, {"mac地址欺骗", acARPSpoof},
	{"钓鱼", acPhishing}, {"phishing", acPhishing},
	{"提权", acPrivEsc}, {"权限提升", acPrivEsc}, {"privilege escalation", acPrivEsc},
	{"创建用户", acNewAccount}, {"添加用户", acNewAccount},
	{"删除入侵日志", acLogWipe}, {"清除日志", acLogWipe}, {"日志清除", acLogWipe},
	{"凭证转储", acCredDump}, {"凭据获取", acCredDump}, {"获取凭证", acCredDump}, {"credential dump", acCredDump},
	{"mimikatz", acCredDump},
	{"tor节点", acTor}, {"tor activity", acTor}, {"toractivity", acTor},
	{"远程溢出", acRemoteExp}, {"smb远程", acRemoteExp}, {"ms17-010", acRemoteExp}, {"eternalblue", acRemoteExp},
	{"缓冲区溢出", acOverflow}, {"缓冲溢出", acOverflow}, {"buffer overflow", acOverflow},
	{"bufferoverflow", acOverflow}, {"buffer_overflow", acOverflow}, {"溢出", acOverflow},
	{"敏感信息外传", acExfil}, {"数据外传", acExfil}, {"exfiltration", acExfil},
	{"信息泄露", acInfoLeak}, {"信息泄漏", acInfoLeak}, {"infoleak", acInfoLeak}, {"information leak", acInfoLeak},
	{"information_disclosure", acInfoLeak}, {"敏感信息", acInfoLeak}, {"数据泄露", acInfoLeak},
	{"远程控制工具", acRAT}, {"teamviewer", acRAT}, {"向日葵", acRAT},
	{"网络代理", acProxy}, {"proxy tool", acProxy},
	{"注入", acInjection}, {"injection", acInjection}, {"inject", acInjection},
	{"漏洞攻击", acExploit}, {"漏洞利用", acExploit}, {"exploit", acExploit}, {"漏洞", acExploit},
	{"vulnerability", acExploit}, {"vulnerabilityexploit", acExploit},
	{"web攻击", acWebAttack}, {"webattack", acWebAttack}, {"web attack", acWebAttack}, {"web_attack", acWebAttack},
	{"web应用", acWebAttack}, {"cgi攻击", acWebAttack},
	{"扫描", acScan}, {"探测", acScan}, {"scan", acScan}, {"probe", acScan}, {"recon", acScan},
	{"爬虫", acCrawler}, {"crawler", acCrawler}, {"spider", acCrawler},
	{"间谍软件", acSpyware}, {"spyware", acSpyware},
	{"勒索软件", acRansomware}, {"apt", acAPT}, {"定向攻击", acAPT},
	{"恶意网址", acMalURL}, {"恶意url", acMalURL}, {"malicious url", acMalURL}, {"恶意网站", acMalURL},
	{"恶意域名", acMalURL}, {"恶意ip", acMalIP}, {"风险ip", acMalIP}, {"黑名单ip", acMalIP}, {"riskip", acMalIP},
	{"协议异常", acProtoAnom}, {"protocol anomaly", acProtoAnom}, {"protocolexception", acProtoAnom},
	{"protocol_anomaly", acProtoAnom}, {"畸形", acProtoAnom}, {"abnormal", acProtoAnom},
	{"垃圾邮件", acSpam}, {"spam", acSpam},
	{"病毒", acVirus}, {"virus", acVirus}, {".vir", acVirus},
	{"恶意软件", acMalware}, {"恶意程序", acMalware}, {"malware", acMalware}, {"有害程序", acMalware},
	{"恶意代码", acMalware}, {"恶意文件", acMalware}, {"grayware", acMalware}, {"riskware", acMalware},
	{"adware", acMalware}, {"hacktool", acMalware}, {"hackingtool", acMalware}, {"黑客工具", acMalware},
}

// boundedKeywords must stand alone (not inside a longer ASCII word):
// "apt" is no attack inside "adapter".
var boundedKeywords = map[string]bool{"apt": true, "dga": true, "c2": true, "tor": true}

// classifyAttack finds the class of the first text that has one.
func classifyAttack(texts ...string) *attackClass {
	for _, t := range texts {
		if t == "" {
			continue
		}
		l := strings.ToLower(t)
		for _, k := range attackKeywords {
			if containsKeyword(l, k.kw, boundedKeywords[k.kw]) {
				return k.ac
			}
		}
	}
	return nil
}

func containsKeyword(s, kw string, bounded bool) bool {
	if !bounded {
		return strings.Contains(s, kw)
	}
	for off := 0; ; {
		i := strings.Index(s[off:], kw)
		if i < 0 {
			return false
		}
		i += off
		j := i + len(kw)
		if (i == 0 || !isASCIIAlnum(s[i-1])) && (j == len(s) || !isASCIIAlnum(s[j])) {
			return true
		}
		off = i + 1
	}
}

func isASCIIAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// attackID matches ATT&CK technique ids; tacticID tactic ids.
var (
	attackID = regexp.MustCompile(`^T\d{4}(?:\.\d{3})?$`)
	tacticID = regexp.MustCompile(`^TA\d{4}$`)
)

// setVendorTechnique records the technique (and tactic) a vendor gives,
// replacing the classifier's; names come from the table when known.
func setVendorTechnique(e *event.Event, id, tactic string) {
	for _, k := range []string{"threat.technique.id", "threat.technique.name", "threat.technique.reference",
		"threat.technique.subtechnique.id", "threat.technique.subtechnique.name", "threat.technique.subtechnique.reference"} {
		e.Delete(k)
	}
	e.Set("threat.framework", "MITRE ATT&CK")
	parent, _, sub := strings.Cut(id, ".")
	e.Set("threat.technique.id", []string{parent})
	e.Set("threat.technique.reference", []string{"https://attack.mitre.org/techniques/" + parent + "/"})
	if t, ok := techniques[parent]; ok {
		e.Set("threat.technique.name", []string{t.name})
		if tactic == "" {
			tactic = t.tacticID
		}
	}
	if sub {
		e.Set("threat.technique.subtechnique.id", []string{id})
		e.Set("threat.technique.subtechnique.reference", []string{"https://attack.mitre.org/techniques/" + strings.Replace(id, ".", "/", 1) + "/"})
		if t, ok := techniques[id]; ok {
			e.Set("threat.technique.subtechnique.name", []string{t.name})
		}
	}
	if tacticID.MatchString(tactic) {
		e.Set("threat.tactic.id", []string{tactic})
		e.Set("threat.tactic.reference", []string{"https://attack.mitre.org/tactics/" + tactic + "/"})
		e.Delete("threat.tactic.name")
		for _, t := range techniques {
			if t.tacticID == tactic {
				e.Set("threat.tactic.name", []string{t.tacticName})
				break
			}
		}
	}
}

// setAttackClass writes the class: bianque.attack.type (English) and
// bianque.attack.type_zh, and the ATT&CK technique and tactic.
func setAttackClass(e *event.Event, ac *attackClass) {
	e.Set("bianque.attack.type", ac.en)
	e.Set("bianque.attack.type_zh", ac.zh)
	if ac.technique == "" {
		return
	}
	t, ok := techniques[ac.technique]
	if !ok {
		return
	}
	id := ac.technique
	e.Set("threat.framework", "MITRE ATT&CK")
	if parent, _, sub := strings.Cut(id, "."); sub {
		p := techniques[parent]
		e.Set("threat.technique.id", []string{parent})
		e.Set("threat.technique.name", []string{p.name})
		e.Set("threat.technique.reference", []string{"https://attack.mitre.org/techniques/" + parent + "/"})
		e.Set("threat.technique.subtechnique.id", []string{id})
		e.Set("threat.technique.subtechnique.name", []string{t.name})
		e.Set("threat.technique.subtechnique.reference", []string{"https://attack.mitre.org/techniques/" + strings.Replace(id, ".", "/", 1) + "/"})
	} else {
		e.Set("threat.technique.id", []string{id})
		e.Set("threat.technique.name", []string{t.name})
		e.Set("threat.technique.reference", []string{"https://attack.mitre.org/techniques/" + id + "/"})
	}
	e.Set("threat.tactic.id", []string{t.tacticID})
	e.Set("threat.tactic.name", []string{t.tacticName})
	e.Set("threat.tactic.reference", []string{"https://attack.mitre.org/tactics/" + t.tacticID + "/"})
}
