package cnvendors

import "strings"

// verdict is what an action word means in ECS terms.
type verdict struct {
	action  string // event.action
	typ     string // event.type entry ("allowed", "denied", "info", ...)
	outcome string // event.outcome, "" when the word does not say
}

var (
	vAllow      = verdict{"allow", "allowed", "success"}
	vDeny       = verdict{"deny", "denied", "success"}
	vBlock      = verdict{"block", "denied", "success"}
	vDrop       = verdict{"drop", "denied", "success"}
	vReset      = verdict{"reset", "denied", "success"}
	vAlert      = verdict{"alert", "info", ""}
	vLog        = verdict{"log", "info", ""}
	vIgnore     = verdict{"ignore", "info", ""}
	vQuarantine = verdict{"quarantine", "deletion", "success"}
	vDelete     = verdict{"delete", "deletion", "success"}
	vRedirect   = verdict{"redirect", "denied", "success"}
	vLimit      = verdict{"rate-limit", "denied", "success"}
	vLogin      = verdict{"login", "start", ""}
	vLogout     = verdict{"logout", "end", ""}
	vCreate     = verdict{"create", "creation", ""}
	vUpdate     = verdict{"update", "change", ""}
	vRemove     = verdict{"delete", "deletion", ""}
	vQuery      = verdict{"query", "access", ""}
	vExport     = verdict{"export", "access", ""}
	vImport     = verdict{"import", "change", ""}
	vExecute    = verdict{"execute", "info", ""}
	vStart      = verdict{"start", "start", ""}
	vStop       = verdict{"stop", "end", ""}
	vUpload     = verdict{"upload", "creation", ""}
	vDownload   = verdict{"download", "access", ""}
)

// actionWords are the action words devices write (lower case). The
// management verbs follow the Botu behaviour table (bhv_category.dict).
var actionWords = map[string]verdict{
	"permit": vAllow, "permitted": vAllow, "allow": vAllow, "allowed": vAllow, "accept": vAllow,
	"accepted": vAllow, "pass": vAllow, "passed": vAllow, "passthrough": vAllow, "policy_permit": vAllow,
	"允许": vAllow, "放行": vAllow, "通过": vAllow, "允许访问": vAllow, "continue": vAllow, "success": vAllow,
	"deny": vDeny, "denied": vDeny, "reject": vDeny, "rejected": vDeny, "forbid": vDeny, "forbidden": vDeny,
	"policy_deny": vDeny, "拒绝": vDeny, "联动拒绝": vDeny, "禁止": vDeny, "拒绝访问": vDeny, "refuse": vDeny,
	"block": vBlock, "blocked": vBlock, "阻断": vBlock, "阻止": vBlock, "已阻止": vBlock, "拦截": vBlock,
	"已拦截": vBlock, "阻断会话": vBlock, "block-ip": vBlock, "interrupt": vBlock,
	"drop": vDrop, "dropped": vDrop, "discard": vDrop, "丢弃": vDrop, "丢包": vDrop, "丢弃当前报文": vDrop,
	"reset": vReset, "rst": vReset, "reset-both": vReset, "tcp旁路阻断": vReset,
	"alert": vAlert, "alarm": vAlert, "告警": vAlert, "报警": vAlert, "警告": vAlert, "detect": vAlert,
	"detected": vAlert, "monitor": vAlert, "监控": vAlert, "监测": vAlert, "检测": vAlert, "notify": vAlert,
	"log": vLog, "log-only": vLog, "logging": vLog, "record": vLog, "记录": vLog, "被记录": vLog,
	"仅记录": vLog, "记录日志": vLog, "审计": vLog, "audit": vLog, "ignore": vIgnore, "忽略": vIgnore,
	"未处理": vIgnore, "none": vIgnore, "no action": vIgnore,
	"quarantine": vQuarantine, "isolate": vQuarantine, "隔离": vQuarantine, "已隔离": vQuarantine,
	"隔离成功": vQuarantine, "delete": vDelete, "删除成功": vDelete, "清除": vDelete, "已清除": vDelete,
	"clean": vDelete, "cleaned": vDelete, "清除成功": vDelete, "已删除": vDelete, "修复": vDelete,
	"redirect": vRedirect, "重定向": vRedirect, "url重定向": vRedirect, "rate-limit": vLimit, "限速": vLimit,
	"限制连接":  vLimit,
	"login": vLogin, "logon": vLogin, "log in": vLogin, "loggedin": vLogin, "logged in": vLogin,
	"local login": vLogin, "locallogin": vLogin, "sso": vLogin, "登录": vLogin, "登陆": vLogin,
	"本地认证": vLogin, "认证": vLogin, "logout": vLogout, "logoff": vLogout, "loggedout": vLogout,
	"logged out": vLogout, "登出": vLogout, "退出": vLogout, "注销": vLogout,
	"add": vCreate, "create": vCreate, "创建": vCreate, "新增": vCreate, "添加": vCreate, "插入": vCreate,
	"update": vUpdate, "set": vUpdate, "modify": vUpdate, "edit": vUpdate, "修改": vUpdate, "变更": vUpdate,
	"更新": vUpdate, "启用": vUpdate, "禁用": vUpdate, "lock": vUpdate, "修改密码": vUpdate,
	"del": vRemove, "remove": vRemove, "删除": vRemove, "移除": vRemove,
	"查看": vQuery, "显示": vQuery, "query": vQuery, "view": vQuery, "show": vQuery,
	"export": vExport, "导出": vExport, "import": vImport, "导入": vImport,
	"execute": vExecute, "exec": vExecute, "执行": vExecute, "操作": vExecute,
	"start": vStart, "启动": vStart, "stop": vStop, "停止": vStop,
	"upload": vUpload, "上传": vUpload, "download": vDownload, "下载": vDownload,
}

// readVerdict looks an action word up; compound words ("告警并阻断",
// "block-and-log") take the strongest verb they contain.
func readVerdict(raw string) (verdict, bool) {
	v := strings.ToLower(strings.TrimSpace(raw))
	if v == "" {
		return verdict{}, false
	}
	if vd, ok := actionWords[v]; ok {
		return vd, true
	}
	// "not blocked", "未阻断": a detection that was let through
	if strings.HasPrefix(v, "not ") || strings.HasPrefix(v, "未") || strings.HasPrefix(v, "no ") {
		return vAlert, true
	}
	for _, w := range []struct {
		sub string
		vd  verdict
	}{
		{"阻断", vBlock}, {"拦截", vBlock}, {"阻止", vBlock}, {"拒绝", vDeny}, {"丢弃", vDrop}, {"隔离", vQuarantine},
		{"block", vBlock}, {"deny", vDeny}, {"drop", vDrop}, {"reject", vDeny}, {"permit", vAllow},
		{"allow", vAllow}, {"放行", vAllow}, {"允许", vAllow}, {"告警", vAlert}, {"alert", vAlert},
	} {
		if strings.Contains(v, w.sub) {
			return w.vd, true
		}
	}
	return verdict{}, false
}

// resultOutcome reads a result field: success or failure.
func resultOutcome(raw string) string {
	switch strings.ToLower(strings.TrimSpace(raw)) {
	case "success", "succeed", "succeeded", "successful", "ok", "成功", "成功审核", "完成", "true", "pass", "passed", "已成功":
		return "success"
	case "fail", "failed", "failure", "error", "失败", "false", "deny", "denied", "refused", "审核失败", "拒绝":
		return "failure"
	}
	v := strings.TrimSpace(raw)
	switch {
	case strings.HasSuffix(v, "成功"):
		return "success"
	case strings.HasSuffix(v, "失败"):
		return "failure"
	}
	return ""
}
