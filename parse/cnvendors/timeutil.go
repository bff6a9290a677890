package cnvendors

import (
	"strings"
	"time"

	"bianque/parse"
)

// ChinaStandardTime is the zone Chinese devices log in when a component has
// no time zone configured: UTC+8 all year (no daylight saving since 1991).
// A fixed zone is used so the result does not depend on the host's tzdata.
var ChinaStandardTime = time.FixedZone("CST", 8*3600)

// deviceLocation is the zone of timestamps written without an offset: the
// component's zone from the hint, else China Standard Time.
func deviceLocation(r *parse.Record) *time.Location {
	if r.Hint.Location != nil {
		return r.Hint.Location
	}
	return ChinaStandardTime
}

// timeLayouts are the formats seen in Chinese devices' payloads, tried in
// order after the separators are normalized (see parseDeviceTime).
var deviceTimeLayouts = []string{
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999Z07:00",
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02 15:04:05.999999999 -0700",
	"2006-01-02 15:04:05.999999999 -07:00",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02T15:04:05.999999999",
	"2006-1-2 15:04:05.999999999",
	"2006-01-02 15:04",
	"2006 01 02 15:04:05",
	"20060102 15:04:05",
	"20060102150405",
	"Mon Jan _2 15:04:05 -0700 2006",
	"Mon Jan _2 15:04:05 2006",
	"Mon Jan _2 15:04:05.999999999 2006",
	"Jan _2 2006 15:04:05 -07:00",
	"Jan _2 2006 15:04:05",
	"Jan _2 15:04:05 2006",
	"January _2 15:04:05 2006",
	"02/Jan/2006:15:04:05 -0700",
	"01/02/2006 15:04:05",
	"02-01-2006 15:04:05",
	"2006-01-02",
}

// yearless layouts need the year from the reference time.
var yearlessLayouts = []string{"Jan _2 15:04:05", "Jan _2 15:04:05.999999", "01-02 15:04:05"}

var zoneWords = strings.NewReplacer(
	" CST ", " +0800 ", "GMT+08:00", "+08:00", "GMT+8", "+08:00", "UTC+08:00", "+08:00", "UTC+8", "+08:00")

// parseDeviceTime reads a device timestamp: the layouts above, epoch
// seconds/milliseconds/microseconds (with or without fraction), "CST" and
// "GMT+08:00" zones. Times without an offset are in loc; a year-less time
// takes the year of ref (the previous year when that would put it more
// than a day in the future).
func parseDeviceTime(s string, loc *time.Location, ref time.Time) (time.Time, bool) {
	s = strings.TrimSpace(s)
	s = strings.Trim(s, "[]\"'")
	if len(s) < 6 || len(s) > 64 {
		return time.Time{}, false
	}
	if isEpoch(s) {
		if (len(s) == 8 || len(s) == 14) && allDigits(s) { // 20191106 / 20210224084137
			layout := "20060102"
			if len(s) == 14 {
				layout = "20060102150405"
			}
			t, err := time.ParseInLocation(layout, s, loc)
			return t, err == nil && plausible(t)
		}
		t, ok := parse.ParseEpoch(s)
		return t, ok && plausible(t)
	}
	if strings.ContainsAny(s, "CGU") {
		s = zoneWords.Replace(" " + s + " ")
		s = strings.TrimSpace(s)
	}
	// "2021/02/02 11:18:09", "2014/03/26" → dashes; "2020-10-29 16:45:48,644" → dot.
	if len(s) >= 10 && s[4] == '/' && s[7] == '/' {
		s = s[:4] + "-" + s[5:7] + "-" + s[8:]
	} else if len(s) >= 8 && s[4] == '/' {
		s = strings.Replace(strings.Replace(s, "/", "-", 1), "/", "-", 1)
	}
	if len(s) >= 19 && s[10] == ',' && s[4] == '-' {
		s = s[:10] + " " + s[11:] // "2021-02-23,10:15:29"
	}
	if i := strings.IndexByte(s, ','); i >= 19 && i == len(s)-4 {
		s = s[:i] + "." + s[i+1:]
	}
	// "2019-11-15:17-41-06" (DPtech)
	if len(s) == 19 && s[10] == ':' && s[13] == '-' && s[16] == '-' {
		s = s[:10] + " " + s[11:13] + ":" + s[14:16] + ":" + s[17:]
	}
	for _, l := range deviceTimeLayouts {
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			return t, plausible(t)
		}
	}
	for _, l := range yearlessLayouts {
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			return withYear(t, ref, loc), true
		}
	}
	return time.Time{}, false
}

// withYear completes a year-less time from ref.
func withYear(t, ref time.Time, loc *time.Location) time.Time {
	if ref.IsZero() {
		ref = time.Now()
	}
	y := ref.In(loc).Year()
	out := time.Date(y, t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), loc)
	if out.After(ref.Add(24 * time.Hour)) {
		out = time.Date(y-1, t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), loc)
	}
	return out
}

// plausible rejects dates devices write for "never" (1970, 0000).
func plausible(t time.Time) bool {
	y := t.Year()
	return y >= 1995 && y <= 2100
}

func isEpoch(s string) bool {
	dot := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '.' && !dot && i > 0 {
			dot = true
			continue
		}
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// headerTime returns the syslog header's time, read in the device zone
// when the header carried no offset (the parser read it in the hint's
// zone, UTC when none).
func headerTime(r *parse.Record) (time.Time, bool) {
	m := r.Syslog
	if m == nil || !m.HasTimestamp {
		return time.Time{}, false
	}
	t := m.Timestamp
	if m.TimestampHasZone || r.Hint.Location != nil {
		return t, true
	}
	loc := deviceLocation(r)
	u := t.UTC()
	return time.Date(u.Year(), u.Month(), u.Day(), u.Hour(), u.Minute(), u.Second(), u.Nanosecond(), loc), true
}
