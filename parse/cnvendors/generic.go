package cnvendors

import (
	"strings"

	"bianque/event"
	"bianque/parse"
)

// genericCN reads records of Chinese devices no family recognises: a
// record written with Chinese keys (源IP:, 目的端口=, 攻击类型：…) goes through
// the shared key dictionary, so an unknown device still yields addresses,
// ports, action, level and attack type. Its vendor is unknown: the
// observer stays empty. It runs after every other vendor of every package
// (Priority above parse.PriorityWeak) and so takes only what nobody claims.
var genericCN = &parse.Vendor{
	ID:       "cn-generic",
	Aliases:  []string{"chinese-generic", "中文通用"},
	Name:     "Chinese-keyed records of unknown devices",
	Formats:  []parse.Format{parse.FormatKV, parse.FormatText, parse.FormatJSON},
	Charset:  "gb18030",
	Priority: parse.PriorityWeak + 10,
	Detect:   hasChineseKeys,
	Normalize: func(r *parse.Record, e *event.Event) error {
		c := newCtx(r, e, genericBrand, nil)
		readGeneric(c)
		c.finish()
		return nil
	},
	Verified: "the shared key dictionary, exercised by every corpus vendor; TestCNGenericUnknownDevice",
}

// genericBrand gives unknown devices a namespace and no vendor name.
var genericBrand = &brand{id: "cn-generic", ns: "cn"}

// chineseKeys are keys only Chinese devices write; two of them (or one
// address key and a level or action key) make a record Chinese-keyed.
var chineseKeys = []string{"源IP", "目的IP", "源地址", "目的地址", "源端口", "目的端口", "客户端IP", "服务器IP",
	"攻击类型", "威胁等级", "威胁类型", "危险等级", "风险等级", "严重等级", "事件类型", "动作", "处理动作", "攻击源", "目标IP"}

func hasChineseKeys(r *parse.Record) bool {
	b := r.Body
	n := 0
	for _, k := range chineseKeys {
		i := strings.Index(b, k)
		if i < 0 {
			continue
		}
		rest := b[i+len(k):]
		rest = strings.TrimLeft(rest, " ")
		if strings.HasPrefix(rest, ":") || strings.HasPrefix(rest, "：") || strings.HasPrefix(rest, "=") || strings.HasPrefix(rest, "/") {
			n++
			if n == 2 {
				return true
			}
		}
	}
	return false
}
