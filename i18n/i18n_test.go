package i18n

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestEveryLanguageHasEveryKey(t *testing.T) {
	ref := Keys(Default)
	if len(ref) < 50 {
		t.Fatalf("only %d keys", len(ref))
	}
	for _, lang := range Languages {
		if got := Keys(lang); !slices.Equal(got, ref) {
			t.Errorf("%s keys differ from %s", lang, Default)
		}
	}
}

var verbRE = regexp.MustCompile(`%(\[\d+\])?[a-z]`)

// Each message takes the same number of arguments in every language, so a
// caller written against one language formats correctly in all.
func TestArgumentsAgree(t *testing.T) {
	for _, k := range Keys(Default) {
		n := len(verbRE.FindAllString(T(Default, k), -1))
		for _, lang := range Languages {
			if m := len(verbRE.FindAllString(T(lang, k), -1)); m != n {
				t.Errorf("%s: %s has %d arguments, %s has %d", k, lang, m, Default, n)
			}
			if strings.TrimSpace(T(lang, k)) == "" {
				t.Errorf("%s: empty in %s", k, lang)
			}
		}
	}
	got := T("zh-CN", "notify.ticket_created", "事件", 7, "示例医院", "勒索软件")
	if got != "示例医院 新建事件工单 #7：勒索软件" || strings.Contains(got, "%!") {
		t.Fatalf("indexed arguments: %q", got)
	}
}

func TestLookup(t *testing.T) {
	if T("en", "ticket.state.closed") != "Closed" || T("zh-CN", "ticket.state.closed") != "已关闭" {
		t.Fatal("state labels")
	}
	if T("fr", "ticket.state.closed") != "已关闭" {
		t.Fatal("unknown language must fall back to the default")
	}
	if T("en", "no.such.key") != "no.such.key" {
		t.Fatal("missing key must show itself")
	}
	if Label("en", "ticket.type", "incident") != "Incident" || Label("en", "ticket.type", "other") != "other" {
		t.Fatal("Label")
	}
}

func TestAcceptLanguage(t *testing.T) {
	for h, want := range map[string]string{
		"":                          "zh-CN",
		"en-US,en;q=0.9":            "en",
		"zh-CN,zh;q=0.9,en;q=0.8":   "zh-CN",
		"fr-FR, en;q=0.5, zh;q=0.7": "zh-CN",
		"de":                        "zh-CN",
		"en;q=0.2":                  "en",
	} {
		if got := FromAcceptLanguage(h); got != want {
			t.Errorf("%q: %s, want %s", h, got, want)
		}
	}
}
