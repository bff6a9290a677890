package cnvendors

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// role is what a vendor field means, independent of its name: devices name
// the source address src, sip, SrcIP, addr_src, 源IP, 客户端IP, ... and all
// of them are roleSrcIP.
type role uint8

const (
	rNone role = iota
	rIgnore
	rSrcIP
	rDstIP
	rSrcPort
	rDstPort
	rSrcMAC
	rDstMAC
	rSrcNatIP
	rSrcNatPort
	rDstNatIP
	rDstNatPort
	rProto
	rAppProto
	rApp
	rAction
	rResult
	rSeverity
	rRuleName
	rRuleID
	rAttackType
	rVirus
	rCVE
	rUser
	rTargetUser
	rURL
	rHTTPHost
	rMethod
	rUA
	rReferrer
	rStatus
	rTime
	rStart
	rEnd
	rDate  // a date whose clock is in rClock
	rClock // the clock of rDate
	rSrcBytes
	rDstBytes
	rSrcPkts
	rDstPkts
	rInZone
	rOutZone
	rInIf
	rOutIf
	rDevName
	rDevIP
	rSerial
	rHostName
	rHostIP
	rHostMAC
	rOS
	rProcName
	rPID
	rCmdline
	rProcPath
	rFileName
	rFilePath
	rFileMD5
	rFileSHA1
	rFileSHA256
	rFileSize
	rMailFrom
	rMailTo
	rMailSubject
	rDNSQuery
	rReason
	rPolicy
	rDirection
	rSession
	rCount
	rEventID
	rDomain
	rVersion
	rTechnique // an ATT&CK technique id the vendor gives
	rTactic    // … and tactic id
	numRoles
)

// target is where a key goes: a role and its priority (lower wins when
// several keys of a record carry the same role).
type target struct {
	role role
	prio uint8
}

// keyTable maps canonical keys (see canon) to targets.
type keyTable map[string]target

// roleNames name the roles in key tables written as text.
var roleNames = map[string]role{
	"keep": rNone, "ignore": rIgnore, "srcip": rSrcIP, "dstip": rDstIP, "srcport": rSrcPort, "dstport": rDstPort,
	"srcmac": rSrcMAC, "dstmac": rDstMAC, "snatip": rSrcNatIP, "snatport": rSrcNatPort, "dnatip": rDstNatIP,
	"dnatport": rDstNatPort, "proto": rProto, "appproto": rAppProto, "app": rApp, "action": rAction,
	"result": rResult, "severity": rSeverity, "rule": rRuleName, "ruleid": rRuleID, "attacktype": rAttackType,
	"virus": rVirus, "cve": rCVE, "user": rUser, "targetuser": rTargetUser, "url": rURL, "httphost": rHTTPHost,
	"method": rMethod, "ua": rUA, "referrer": rReferrer, "status": rStatus, "time": rTime, "start": rStart,
	"end": rEnd, "date": rDate, "clock": rClock, "srcbytes": rSrcBytes, "dstbytes": rDstBytes,
	"srcpkts": rSrcPkts, "dstpkts": rDstPkts, "inzone": rInZone, "outzone": rOutZone, "inif": rInIf,
	"outif": rOutIf, "devname": rDevName, "devip": rDevIP, "serial": rSerial, "hostname": rHostName,
	"hostip": rHostIP, "hostmac": rHostMAC, "os": rOS, "procname": rProcName, "pid": rPID,
	"cmdline": rCmdline, "procpath": rProcPath, "filename": rFileName, "filepath": rFilePath,
	"md5": rFileMD5, "sha1": rFileSHA1, "sha256": rFileSHA256, "filesize": rFileSize,
	"mailfrom": rMailFrom, "mailto": rMailTo, "subject": rMailSubject, "dnsquery": rDNSQuery,
	"reason": rReason, "policy": rPolicy, "direction": rDirection, "session": rSession, "count": rCount,
	"eventid": rEventID, "domain": rDomain, "version": rVersion, "technique": rTechnique, "tactic": rTactic,
}

// parseKeyTable reads a table written one role per line:
//
//	srcip 1: srcip sip src 源ip
//
// (role, priority, then canonical keys). Blank lines and "#" comments are
// skipped.
func parseKeyTable(text string) keyTable {
	t := keyTable{}
	for ln := range strings.Lines(text) {
		ln = strings.TrimSpace(ln)
		if ln == "" || ln[0] == '#' {
			continue
		}
		head, keys, ok := strings.Cut(ln, ":")
		if !ok {
			panic("cnvendors: bad key table line " + ln)
		}
		var name string
		var prio int
		if _, err := fmt.Sscan(head, &name, &prio); err != nil {
			panic("cnvendors: bad key table head " + ln)
		}
		r, ok := roleNames[name]
		if !ok {
			panic("cnvendors: unknown role " + name)
		}
		for _, k := range strings.Fields(keys) {
			t[canon(k)] = target{r, uint8(prio)}
		}
	}
	return t
}

// with returns a copy of t extended (and overridden) by the table text.
func (t keyTable) with(text string) keyTable {
	out := make(keyTable, len(t)+16)
	for k, v := range t {
		out[k] = v
	}
	for k, v := range parseKeyTable(text) {
		out[k] = v
	}
	return out
}

// canon folds a key for lookup: ASCII lower case, without '_', '-', '.',
// ' ' and a trailing "(1003)"-style code; other scripts are kept.
func canon(k string) string {
	var buf [96]byte
	b := canonBytes(buf[:0], k)
	return string(b)
}

func canonBytes(b []byte, k string) []byte {
	if i := strings.LastIndexByte(k, '('); i > 0 && strings.HasSuffix(k, ")") && allDigits(k[i+1:len(k)-1]) {
		k = k[:i]
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		switch {
		case c == '_' || c == '-' || c == '.' || c == ' ' || c == '\t':
			continue
		case c >= 'A' && c <= 'Z':
			b = append(b, c+'a'-'A')
		default:
			b = append(b, c)
		}
	}
	return b
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// commonKeys are the key names Chinese security devices share. Families
// start from it and add their own.
var commonKeys = parseKeyTable(`
srcip 1: srcip sip src sourceip srcaddr srcaddress sourceaddress sa addrsrc isrcip srcipaddr srcipv4 sourceipv4 ipsrc
srcip 1: 源ip 源地址 源ip地址 源ipv4 源主机 源主机ip
srcip 2: clientip 客户端ip 客户端地址 attackerip 攻击者ip 攻击源ip 攻击ip 攻击源 attackip loginip 登录ip remoteip fromip
srcip 3: srcipv6 sipv6 sourceipv6 srcip6 attacker
dstip 1: dstip dip dst destip destinationip dstaddr destaddr destinationaddress da addrdst idstip dstipaddr dstipv4 ipdst
dstip 1: 目的ip 目标ip 目的地址 目标地址 目的ip地址 目的主机
dstip 2: serverip 服务器ip 服务器地址 victimip 受害者ip 受害ip targetip 目标主机 dest
dstip 3: dstipv6 dipv6 destinationipv6 dstip6 victim
srcport 1: srcport sport sourceport spt isrcport portsrc 源端口 srcportnum
srcport 2: clientport 客户端端口 attackport
dstport 1: dstport dport destport destinationport dpt idstport portdst 目的端口 目标端口 dstportnum
dstport 2: serverport 服务器端口 attackedport
srcmac 1: smac srcmac sourcemac ssrcmac 源mac srcmacaddr
srcmac 2: clientmac 客户端mac 客户端mac地址
dstmac 1: dmac dstmac destmac destinationmac sdstmac 目的mac dstmacaddr
dstmac 2: servermac 服务器mac
snatip 1: nataddrsrc natsrcip srcnatip transip srcaddrnat 转换后的ip snatip
snatport 1: natportsrc natsrcport srcnatport transport srcportnat 转换后的端口 snatport
dnatip 1: nataddrdst natdstip dstnatip dstaddrnat dnatip
dnatport 1: natportdst natdstport dstnatport dstportnat dnatport
proto 1: proto protocol 协议 transportprotocol iipproto ipprotoid ipproto tproto 传输协议 协议类型 protocolid
appproto 1: appproto appprotocol 应用协议 protoname protocolname servicetype sprotocol
app 1: app appname application 应用 应用名称 应用类型 applicationname
action 1: action act 动作 系统动作 处理动作 执行动作 处置动作 处置 handleaction 响应动作 处理方式 actiontype
result 1: result 结果 status 操作结果 处理结果 authres
severity 1: severity 严重等级 严重级别 威胁 威胁等级 威胁级别 风险等级 风险级别 危险等级 危害等级 告警级别 事件级别 级别 等级
severity 1: threatlevel dangerdegree risklevel eventlevel evtlevel threatseverity alertlevel vullevel sev
severity 2: level loglevel priority characterlevel iwarninglevel warninglevel risk
rule 1: rulename 规则名称 规则名 attackname 攻击名称 eventname 事件名称 signame signaturename threatname 威胁名称 vulnname 漏洞名称 事件
rule 2: rule 命中规则 ruleinfo
ruleid 1: ruleid sid sigid signatureid 规则id 规则编号 ruleno
attacktype 1: attacktype 攻击类型 threattype 威胁类型 securitytype attackcategory 攻击分类 vultype 漏洞类型 evttype
attacktype 2: 事件类型
virus 1: virusname virus malwarename 病毒名称 病毒名 virname 病毒 malwarefamily
cve 1: cve cveid
user 1: user username 用户 用户名 loginuser 登录用户 operator 操作员 操作用户 管理员 usr sysuser suser 账号名
user 2: account 账号 accountname 帐号
url 1: url uri 网址 url地址 requesturl 请求url 访问url requesturi
httphost 1: host httphost 域名 主机名
method 1: method 请求方法 httpmethod requestmethod
ua 1: agent useragent 客户端环境 ua httpuseragent
referrer 1: referer referrer httpreferer
status 1: statuscode responsecode httpcode 响应码 httpstatus
time 1: time gentime logtime 发生时间 时间 发现时间 捕获时间 记录时间 产生时间 告警时间 eventtime occurtime happentime recordtime createtime ctime timestamp datetime 日志时间
time 2: date sendtime reporttime
start 1: starttime begintime 开始时间 firsttime
end 1: endtime 结束时间 lasttime stoptime
srcbytes 1: sent sendbytes sentbytes bytesout upbytes 上行流量 sendbyte
dstbytes 1: rcvd rcvdbytes recvbytes rcvbytes bytesin downbytes 下行流量 rcvdbyte
srcpkts 1: sendpkts sentpkts sentpkt
dstpkts 1: rcvpkts rcvdpkts recvpkts rcvdpkt
inzone 1: szonename srczonename srczone sourcezone zonesrc 源区域 inzone
outzone 1: dzonename dstzonename dstzone destinationzone zonedst 目的区域 outzone
inif 1: ininterface sdev srcintf interfacesrc rcvifname inif ifnameinside 入接口 源接口 srcinterface ingressinterface
outif 1: outinterface ddev dstintf interfacedst outif ifnameoutside 出接口 目的接口 dstinterface egressinterface
devname 1: devname dname devicename 设备名称 设备名 fwname sensorname
devip 1: devip deviceip 设备ip dvc sensorip 设备地址
serial 1: serialnum serial serialnumber 设备序列号 devsn sn
hostname 1: hostname computername machinename 计算机名 终端名称 hostnm cmpname clientname
hostip 2: agentip 终端ip
hostmac 2: agentmac 终端mac
procname 1: processname procname pidname 进程名 进程名称 processmastername
pid 1: pid processid 进程id
cmdline 1: cmdline commandline 命令行 processcmdline
procpath 1: processpath procpath 进程路径 processmasterpathname
filename 1: filename fname 文件名 文件名称 virusfilename origname
filepath 1: filepath 文件路径 viruspath detailfilepath
md5 1: md5 filemd5 virusmd5 文件md5
sha1 1: sha1 filesha1
sha256 1: sha256 filesha256
filesize 1: filesize 文件大小 virusfilesize
mailfrom 1: sender mailsender 发件人
mailto 1: receiver recipient mailrecipient 收件人 rcpt
subject 1: subject mailtitle 邮件主题 emailtitle
dnsquery 1: query dnsquery 查询域名 qname
reason 1: msg message 描述 description desc dspmsg 详情 content info 信息 detailinfo eventdesc reason 原因
policy 1: policyname 策略名称 策略 policy securitypolicy
policy 2: policyid 策略id fwpolicyid
direction 1: direction 方向 攻击方向 dir
session 1: sessionid session
count 1: count evtcount repeat repeated 次数 eventcount hitcount 攻击次数 summarycount
eventid 1: eventid logid 事件id
domain 1: domain dnsdomain
version 1: version softversion 版本
technique 1: attck_tech attck_technique attack_technique technique_id attck mitre_technique
tactic 1: attck_tactic attack_tactic tactic_id mitre_tactic
`)

// ipv4Like and friends classify values.
func looksLikeHostname(s string) bool {
	if len(s) < 3 || len(s) > 253 || !strings.Contains(s, ".") {
		return false
	}
	letter := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
			letter = true
		case c >= '0' && c <= '9', c == '-', c == '.', c == '_':
		default:
			return false
		}
	}
	return letter
}

// normMAC writes a MAC address the ECS way: upper case, dash-separated
// ("00-0C-29-AD-53-1F"), from colon, dash, Cisco-dot or bare-hex forms.
func normMAC(s string) (string, bool) {
	var hex [12]byte
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9', c >= 'A' && c <= 'F':
		case c >= 'a' && c <= 'f':
			c -= 'a' - 'A'
		case c == ':' || c == '-' || c == '.':
			continue
		default:
			return "", false
		}
		if n == 12 {
			return "", false
		}
		hex[n] = c
		n++
	}
	if n != 12 {
		// "0:c:29:a3:1:b7": colon groups without leading zeros.
		parts := strings.Split(s, ":")
		if len(parts) != 6 {
			return "", false
		}
		var b strings.Builder
		for i, p := range parts {
			if len(p) == 0 || len(p) > 2 {
				return "", false
			}
			if len(p) == 1 {
				p = "0" + p
			}
			if i > 0 {
				b.WriteByte('-')
			}
			b.WriteString(strings.ToUpper(p))
		}
		out := b.String()
		if _, ok := normMAC(strings.ReplaceAll(out, "-", "")); !ok {
			return "", false
		}
		return out, true
	}
	out := make([]byte, 0, 17)
	for i := 0; i < 12; i += 2 {
		if i > 0 {
			out = append(out, '-')
		}
		out = append(out, hex[i], hex[i+1])
	}
	return string(out), true
}

// sanitizeKey makes a vendor key usable as the last part of a field name.
func sanitizeKey(k string) string {
	if i := strings.LastIndexByte(k, '('); i > 0 && strings.HasSuffix(k, ")") && allDigits(k[i+1:len(k)-1]) {
		k = k[:i]
	}
	k = strings.TrimSpace(k)
	if !strings.ContainsAny(k, " \t\"") {
		return k
	}
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t':
			return '_'
		case '"':
			return -1
		}
		return r
	}, k)
}

// truncateRunes cuts s to at most n runes.
func truncateRunes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := 0
	for c := 0; i < len(s) && c < n; c++ {
		_, w := utf8.DecodeRuneInString(s[i:])
		i += w
	}
	return s[:i]
}
