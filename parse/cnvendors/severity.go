package cnvendors

import (
	"strconv"
	"strings"
)

// level is the normalized threat level vendors' scales are folded to.
type level uint8

const (
	lvNone level = iota
	lvInfo
	lvLow
	lvMedium
	lvHigh
	lvCritical
)

// severityScore is event.severity (0–100) for each level.
var severityScore = [...]int64{lvNone: 0, lvInfo: 10, lvLow: 25, lvMedium: 50, lvHigh: 75, lvCritical: 100}

var levelNames = [...]string{lvNone: "", lvInfo: "info", lvLow: "low", lvMedium: "medium", lvHigh: "high", lvCritical: "critical"}

// levelWords are the level words devices write, Chinese and English (folded
// to lower case). Numeric levels depend on the vendor's scale.
var levelWords = map[string]level{
	"信息": lvInfo, "提示": lvInfo, "通知": lvInfo, "一般": lvLow, "低": lvLow, "低危": lvLow, "低风险": lvLow,
	"轻微": lvLow, "中": lvMedium, "中危": lvMedium, "中风险": lvMedium, "中等": lvMedium, "警告": lvMedium,
	"告警": lvMedium, "高": lvHigh, "高危": lvHigh, "高风险": lvHigh, "严重": lvHigh, "重要": lvHigh,
	"紧急": lvCritical, "危急": lvCritical, "致命": lvCritical, "超危": lvCritical, "极高": lvCritical,
	"info": lvInfo, "information": lvInfo, "informational": lvInfo, "informative": lvInfo, "debug": lvInfo,
	"notice": lvLow, "notification": lvLow, "low": lvLow, "lowest": lvInfo, "minor": lvLow, "low risk": lvLow,
	"warning": lvMedium, "warn": lvMedium, "medium": lvMedium, "middle": lvMedium, "mid": lvMedium,
	"moderate": lvMedium, "medium risk": lvMedium, "error": lvMedium, "err": lvMedium,
	"high": lvHigh, "major": lvHigh, "high risk": lvHigh, "critical": lvCritical, "crit": lvCritical,
	"alert": lvHigh, "alarm": lvHigh, "highest": lvCritical, "urgent": lvCritical, "serious": lvHigh,
	"emergency": lvCritical, "emergence": lvCritical, "emergent": lvCritical, "emerg": lvCritical,
	"severe": lvCritical, "very-high": lvCritical, "very high": lvCritical, "fatal": lvCritical,
}

// scale reads a vendor's numeric level.
type scale func(n int) level

// Numeric scales seen in the vendors' documentation and code tables.
var (
	// syslogScale: RFC 5424 severities, 0 = emergency (Topsec pri, H3C).
	syslogScale scale = func(n int) level {
		switch {
		case n <= 1:
			return lvCritical
		case n == 2:
			return lvHigh
		case n <= 4:
			return lvMedium
		case n == 5:
			return lvLow
		case n <= 7:
			return lvInfo
		}
		return lvNone
	}
	// oneToFive: 1 lowest … 5 highest.
	oneToFive scale = func(n int) level {
		if n < 1 || n > 5 {
			return lvNone
		}
		return level(n)
	}
	// oneToThree: 1 low, 2 medium, 3 high (NSFOCUS danger_degree).
	oneToThree scale = func(n int) level {
		switch n {
		case 0:
			return lvInfo
		case 1:
			return lvLow
		case 2:
			return lvMedium
		case 3:
			return lvHigh
		}
		if n > 3 && n <= 5 {
			return lvCritical
		}
		return lvNone
	}
	// zeroToFour: 0 info … 4 critical.
	zeroToFour scale = func(n int) level {
		if n < 0 || n > 4 {
			return lvNone
		}
		return level(n + 1)
	}
	// tenScale: 1–10 (Qi-AnXin SkyEye, Venustech event_level 10/20/30…).
	tenScale scale = func(n int) level {
		switch {
		case n <= 0:
			return lvInfo
		case n <= 3:
			return lvLow
		case n <= 6:
			return lvMedium
		case n <= 8:
			return lvHigh
		case n <= 10:
			return lvCritical
		}
		return lvNone
	}
	// percentScale: 0–100 scores (TianTian APT).
	percentScale scale = func(n int) level {
		switch {
		case n < 0 || n > 100:
			return lvNone
		case n >= 90:
			return lvCritical
		case n >= 70:
			return lvHigh
		case n >= 40:
			return lvMedium
		case n >= 20:
			return lvLow
		}
		return lvInfo
	}
	// venusScale: Venustech IDS levels 10 low, 20 medium, 30 high (40+ critical).
	venusScale scale = func(n int) level {
		switch {
		case n <= 0:
			return lvInfo
		case n <= 10:
			return lvLow
		case n <= 20:
			return lvMedium
		case n <= 30:
			return lvHigh
		}
		return lvCritical
	}
)

// readLevel folds a vendor level: a word, or a number read with sc (nil
// when the vendor's numbers have no known meaning).
func readLevel(raw string, sc scale) level {
	v := strings.TrimSpace(raw)
	if v == "" {
		return lvNone
	}
	if lv, ok := levelWords[strings.ToLower(v)]; ok {
		return lv
	}
	// "SYSLOG_LEVEL_6", "High Risk", "3级"
	lower := strings.ToLower(v)
	if i := strings.LastIndexByte(lower, '_'); i > 0 && allDigits(lower[i+1:]) {
		if n, err := strconv.Atoi(lower[i+1:]); err == nil {
			return syslogScale(n)
		}
	}
	if lv, ok := levelWords[strings.TrimSuffix(strings.TrimSuffix(lower, " risk"), "级")]; ok {
		return lv
	}
	if sc != nil {
		if n, err := strconv.Atoi(strings.TrimSuffix(v, "级")); err == nil {
			return sc(n)
		}
	}
	return lvNone
}
