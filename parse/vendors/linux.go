package vendors

import (
	"regexp"
	"strings"

	"bianque/event"
	"bianque/parse"
)

// Linux system logs over syslog: authentication (sshd, sudo, su, PAM,
// login) and the rest of the system log (the header gives host and
// process).
var linux = &parse.Vendor{
	ID:       "linux",
	Aliases:  []string{"linux-auth", "linux-syslog", "sshd", "openssh", "system", "auth"},
	Name:     "Linux system and authentication logs (sshd, sudo, PAM)",
	Formats:  []parse.Format{parse.FormatText},
	Observer: parse.Observer{},
	Priority: parse.PriorityWeak,
	Detect: func(r *parse.Record) bool {
		if r.Syslog == nil || r.Format != parse.FormatText {
			return false
		}
		a := r.Syslog.Appname
		return linuxApps[a] || strings.HasPrefix(a, "systemd")
	},
	Normalize: normalizeLinux,
	Verified:  "Elastic system/auth and system/syslog pipeline tests (10 events); CrowdSec sshd-logs and syslog-logs; Wazuh sshd samples",
}

var linuxApps = map[string]bool{"sshd": true, "sudo": true, "su": true, "login": true, "pam": true, "kernel": true, "CRON": true, "cron": true,
	"polkitd": true, "dbus-daemon": true, "NetworkManager": true, "useradd": true, "userdel": true, "groupadd": true, "passwd": true,
	"chpasswd": true, "usermod": true, "systemd-logind": true, "auditd": true, "rsyslogd": true, "shutdown": true, "thermald": true}

var (
	sshAccepted = regexp.MustCompile(`^Accepted (\S+) for (\S+) from (\S+) port (\d+)`)
	sshFailed   = regexp.MustCompile(`^Failed (\S+) for (?:invalid user )?(\S+) from (\S+) port (\d+)`)
	sshInvalid  = regexp.MustCompile(`^Invalid user (\S*) from (\S+)(?: port (\d+))?`)
	sshClosed   = regexp.MustCompile(`^(?:Connection closed|Disconnected from|Received disconnect from)(?: (?:invalid |authenticating )?user (\S+))? (\S+) port (\d+)`)
	pamSession  = regexp.MustCompile(`^pam_unix\(([^:]+):session\): session (opened|closed) for user (\S+?)(?:\(uid=(\d+)\))?(?: by (\S*?)(?:\(uid=(\d+)\))?)?$`)
	pamAuthFail = regexp.MustCompile(`^pam_unix\(([^:]+):auth\): authentication failure;.*?(?:rhost=(\S*))?\s*(?:user=(\S+))?$`)
	sudoCmd     = regexp.MustCompile(`^\s*(\S+) : (?:.*?; )?TTY=(\S+) ; PWD=(\S+) ; USER=(\S+) ; COMMAND=(.*)$`)
)

func normalizeLinux(r *parse.Record, e *event.Event) error {
	e.Set("event.kind", "event")
	parse.SyslogProcess(r, e)
	m := r.Syslog
	if m != nil {
		if m.Hostname != "" {
			e.AppendUnique(event.RelatedHosts, m.Hostname)
		}
		if !m.TimestampHasZone {
			e.Set("event.timezone", zoneName(r.Location()))
		}
	}
	msg := r.Body
	switch {
	case sshAccepted.MatchString(msg):
		g := sshAccepted.FindStringSubmatch(msg)
		authEvent(e, "success", g[2], g[3], g[4])
		e.Set("event.action", "ssh_login")
		e.Set("event.type", []string{"info"})
		e.Set("system.auth.ssh.method", g[1])
	case sshFailed.MatchString(msg):
		g := sshFailed.FindStringSubmatch(msg)
		authEvent(e, "failure", g[2], g[3], g[4])
		e.Set("event.action", "ssh_login")
		e.Set("event.type", []string{"info"})
		e.Set("system.auth.ssh.method", g[1])
	case sshInvalid.MatchString(msg):
		g := sshInvalid.FindStringSubmatch(msg)
		authEvent(e, "failure", g[1], g[2], g[3])
		e.Set("event.action", "ssh_login")
		e.Set("event.type", []string{"info"})
	case sshClosed.MatchString(msg):
		g := sshClosed.FindStringSubmatch(msg)
		parse.SetAddress(e, "source", g[2])
		parse.Set(e, "source.port", g[3])
		if g[1] != "" {
			e.Set("user.name", g[1])
		}
	case pamSession.MatchString(msg):
		g := pamSession.FindStringSubmatch(msg)
		e.Set("event.category", []string{"session"})
		if g[2] == "opened" {
			e.Set("event.action", "logged-on")
		} else {
			e.Set("event.action", "logged-off")
		}
		if g[5] != "" {
			e.Set("user.name", g[5])
			e.Set("user.effective.name", g[3])
			parse.Set(e, "user.id", g[6])
			e.AppendUnique(event.RelatedUser, g[5])
			e.AppendUnique(event.RelatedUser, g[3])
		} else {
			e.Set("user.name", g[3])
			parse.Set(e, "user.id", g[4])
			e.AppendUnique(event.RelatedUser, g[3])
		}
	case pamAuthFail.MatchString(msg):
		g := pamAuthFail.FindStringSubmatch(msg)
		e.Set("event.category", []string{"authentication"})
		e.Set("event.outcome", "failure")
		parse.SetAddress(e, "source", g[2])
		if g[3] != "" {
			e.Set("user.name", g[3])
			e.AppendUnique(event.RelatedUser, g[3])
		}
	case m != nil && m.Appname == "sudo" && sudoCmd.MatchString(msg):
		g := sudoCmd.FindStringSubmatch(msg)
		e.Set("user.name", g[1])
		e.Set("user.effective.name", g[4])
		e.Set("process.command_line", g[5])
		e.Set("event.category", []string{"process"})
		e.Set("event.type", []string{"start"})
		e.AppendUnique(event.RelatedUser, g[1])
		e.AppendUnique(event.RelatedUser, g[4])
	}
	parse.FillRelated(e, "source.ip")
	return nil
}

func authEvent(e *event.Event, outcome, user, ip, port string) {
	e.Set("event.category", []string{"authentication", "session"})
	e.Set("event.outcome", outcome)
	e.Set("user.name", user)
	e.AppendUnique(event.RelatedUser, user)
	parse.SetAddress(e, "source", ip)
	parse.Set(e, "source.port", port)
}

func init() { all = append(all, linux) }
