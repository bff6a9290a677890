package cnvendors

import "time"

// Hooks for the external tests' fuzzers.

func SplitListForTest(s, sep string) int {
	return len(splitList(s, []string{sep}, []string{"=", ":", "："}, nil))
}

func SpaceKVForTest(s string) int { return len(spaceKV(s, '=', nil)) + len(spaceKV(s, ':', nil)) }

func JSONFieldsForTest(s string) int {
	fs, _ := jsonFields(s, nil)
	return len(fs)
}

func ParseTimeForTest(s string) (time.Time, bool) {
	return parseDeviceTime(s, ChinaStandardTime, time.Date(2026, 6, 30, 12, 0, 0, 0, time.UTC))
}
