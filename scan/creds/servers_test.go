package creds

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"bianque"
	"bianque/internal/testutil"
	"bianque/scan"
)

// The tests in this file start real servers from Debian packages on loopback
// ports (see .ci/run), plant accounts with weak and strong passwords, and
// check that the weak ones are found and the strong ones are not. A test
// whose server binary is not installed is skipped with the package to
// install; CI installs them all.

func need(t *testing.T, bin, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(bin)
	if err != nil {
		for _, dir := range []string{"/usr/sbin", "/usr/bin", "/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/17/bin"} {
			if _, err := os.Stat(filepath.Join(dir, bin)); err == nil {
				return filepath.Join(dir, bin)
			}
		}
		testutil.Missing(t, "%s not installed (apt-get install %s)", bin, pkg)
	}
	return p
}

func needRoot(t *testing.T) {
	t.Helper()
	testutil.NeedRoot(t, "to create system accounts and start the server")
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func strongPassword() string {
	b := make([]byte, 12)
	rand.Read(b)
	return "Bq-" + hex.EncodeToString(b) + "!x"
}

// startServer runs cmd until the test ends and waits for port to accept.
func startServer(t *testing.T, port int, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	logf := filepath.Join(t.TempDir(), "server.log")
	f, _ := os.Create(logf)
	cmd.Stdout, cmd.Stderr = f, f
	// Its own process group, so the cleanup also ends the children servers
	// fork per connection (sshd, telnetd under inetd, smbd).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
		f.Close()
	})
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), 200*time.Millisecond)
		if err == nil {
			c.Close()
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	out, _ := os.ReadFile(logf)
	t.Fatalf("%s did not listen on %d: %s", name, port, out)
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return string(out)
}

// systemUser creates a local account with a password for the test and removes it after.
func systemUser(t *testing.T, name, pass string) {
	t.Helper()
	needRoot(t)
	exec.Command("userdel", "-r", name).Run()
	run(t, "useradd", "-m", "-s", "/bin/bash", name)
	t.Cleanup(func() { exec.Command("pkill", "-KILL", "-u", name).Run(); exec.Command("userdel", "-r", name).Run() })
	cmd := exec.Command("chpasswd")
	cmd.Stdin = strings.NewReader(name + ":" + pass + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chpasswd: %v %s", err, out)
	}
}

func dict(t *testing.T, lines ...string) *Dictionary {
	t.Helper()
	d, err := ParseDictionary(strings.Join(lines, "\n"), "test")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// check runs the checker for one protocol against 127.0.0.1:port.
func check(t *testing.T, service string, port int, d *Dictionary, users ...string) []*bianque.Finding {
	t.Helper()
	p, ok := ProtocolFor(service)
	if !ok {
		t.Fatalf("no protocol %s", service)
	}
	g := &scan.Guard{Scope: &bianque.ScanScope{Include: []string{"127.0.0.1"}}}
	c := &Checker{Dict: d, Delay: 20 * time.Millisecond, Users: users, Timeout: 10 * time.Second}
	return c.CheckService(context.Background(), g, netip.MustParseAddr("127.0.0.1"), port, p, scan.Service{Port: port, Identity: scan.Identity{Service: service}})
}

// wantAccounts asserts the findings name exactly the accounts given.
func wantAccounts(t *testing.T, fs []*bianque.Finding, accounts ...string) {
	t.Helper()
	var got []string
	for _, f := range fs {
		got = append(got, f.Title)
	}
	if len(fs) != len(accounts) {
		t.Fatalf("findings %q, want accounts %q", got, accounts)
	}
	for i, a := range accounts {
		if !strings.HasSuffix(fs[i].Title, "account "+a) && !strings.Contains(fs[i].Title, a) {
			t.Fatalf("finding %q, want account %s", fs[i].Title, a)
		}
		if strings.Contains(fs[i].Evidence, "pass") && a != "" && !strings.Contains(fs[i].Evidence, "*") {
			t.Fatalf("evidence %q shows the password", fs[i].Evidence)
		}
	}
}

func TestRedisAuth(t *testing.T) {
	bin := need(t, "redis-server", "redis-server")
	d := dict(t, "redis\tdefault\t123456", "redis\tdefault\tredis", "redis\tdefault\tfoobared")
	for _, tc := range []struct {
		name, pass string
		want       int
	}{{"weak", "redis", 1}, {"strong", strongPassword(), 0}} {
		t.Run(tc.name, func(t *testing.T) {
			port := freePort(t)
			startServer(t, port, bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--requirepass", tc.pass, "--save", "", "--appendonly", "no", "--dir", t.TempDir())
			fs := check(t, "redis", port, d)
			if len(fs) != tc.want {
				t.Fatalf("findings %+v, want %d", fs, tc.want)
			}
		})
	}
	t.Run("noauth", func(t *testing.T) {
		port := freePort(t)
		startServer(t, port, bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", t.TempDir())
		fs := check(t, "redis", port, d)
		if len(fs) != 1 || fs[0].PluginID != "noauth:redis" {
			t.Fatalf("no-auth redis: %+v", fs)
		}
		// The scanner itself sees the open Redis from its banner probe.
		g := &scan.Guard{Scope: &bianque.ScanScope{Include: []string{"127.0.0.1"}}}
		res, err := (&scan.Scanner{Guard: g, Ports: []int{port}, BannerWait: 500 * time.Millisecond}).Run(context.Background(), []netip.Addr{netip.MustParseAddr("127.0.0.1")})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Findings) != 1 || res.Findings[0].PluginID != "noauth-redis" {
			t.Fatalf("scanner findings %+v", res.Findings)
		}
	})
}

func TestMemcachedNoAuth(t *testing.T) {
	bin := need(t, "memcached", "memcached")
	port := freePort(t)
	args := []string{"-l", "127.0.0.1", "-p", strconv.Itoa(port), "-U", "0"}
	if os.Geteuid() == 0 {
		args = append(args, "-u", "nobody")
	}
	startServer(t, port, bin, args...)
	g := &scan.Guard{Scope: &bianque.ScanScope{Include: []string{"127.0.0.1"}}}
	res, err := (&scan.Scanner{Guard: g, Ports: []int{port}, BannerWait: 500 * time.Millisecond}).Run(context.Background(), []netip.Addr{netip.MustParseAddr("127.0.0.1")})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 1 || res.Findings[0].PluginID != "noauth-memcached" || res.Hosts[0].Services[0].Version == "" {
		t.Fatalf("memcached: %+v %+v", res.Findings, res.Hosts[0].Services)
	}
}

func TestMySQLAccounts(t *testing.T) {
	mysql := need(t, "mysql", "mariadb-client")
	addr := os.Getenv("BIANQUE_TEST_MARIADB")
	if addr == "" {
		addr = "127.0.0.1:3306"
	}
	host, portS, _ := net.SplitHostPort(addr)
	if c, err := net.DialTimeout("tcp", addr, time.Second); err != nil {
		testutil.Missing(t, "MariaDB not reachable at %s: %v", addr, err)
	} else {
		c.Close()
	}
	strong := strongPassword()
	sql := func(q string) { run(t, mysql, "-h", host, "-P", portS, "-uroot", "-e", q) }
	sql("DROP USER IF EXISTS 'bq_weak'@'127.0.0.1', 'bq_strong'@'127.0.0.1'")
	sql("CREATE USER 'bq_weak'@'127.0.0.1' IDENTIFIED BY 'password'; CREATE USER 'bq_strong'@'127.0.0.1' IDENTIFIED BY '" + strong + "'")
	t.Cleanup(func() { sql("DROP USER IF EXISTS 'bq_weak'@'127.0.0.1', 'bq_strong'@'127.0.0.1'") })
	port, _ := strconv.Atoi(portS)
	d := dict(t, "mysql\tbq_weak\t123456", "mysql\tbq_weak\tpassword", "mysql\tbq_strong\t123456", "mysql\tbq_strong\tpassword", "mysql\tbq_strong\troot")
	wantAccounts(t, check(t, "mysql", port, d, "bq_weak", "bq_strong"), "bq_weak")
	wantAccounts(t, check(t, "mysql", port, d, "bq_strong"))
}

// TestPostgresAccounts runs its own PostgreSQL cluster (the shared one on 5432
// trusts loopback clients, so any password would pass there) with md5 and
// SCRAM-SHA-256 stored passwords.
func TestPostgresAccounts(t *testing.T) {
	needRoot(t)
	initdb := need(t, "initdb", "postgresql")
	postgres := need(t, "postgres", "postgresql")
	dir, err := os.MkdirTemp("", "bq-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	run(t, "chown", "postgres:postgres", dir)
	data := filepath.Join(dir, "data")
	pw := filepath.Join(dir, "pw")
	os.WriteFile(pw, []byte("bootstrap-"+strongPassword()+"\n"), 0o644)
	run(t, "runuser", "-u", "postgres", "--", initdb, "-D", data, "-U", "postgres", "--pwfile", pw, "--auth-local=trust", "--auth-host=md5")
	port := freePort(t)
	u, err := user.Lookup("postgres")
	if err != nil {
		testutil.Missing(t, "no postgres account: %v", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	cmd := exec.Command(postgres, "-D", data, "-p", strconv.Itoa(port), "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="+dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Signal(syscall.SIGINT); cmd.Wait() })
	for i := 0; i < 100; i++ {
		if c, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port)); err == nil {
			c.Close()
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	strong := strongPassword()
	psql := need(t, "psql", "postgresql-client")
	run(t, "runuser", "-u", "postgres", "--", psql, "-h", dir, "-p", strconv.Itoa(port), "-U", "postgres", "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-c",
		"SET password_encryption='md5'; CREATE ROLE bq_weak_md5 LOGIN PASSWORD 'postgres'; RESET password_encryption; "+
			"SET password_encryption='scram-sha-256'; CREATE ROLE bq_weak LOGIN PASSWORD 'password'; CREATE ROLE bq_strong LOGIN PASSWORD '"+strong+"';")
	d := dict(t, "postgresql\tbq_weak\tpostgres", "postgresql\tbq_weak\tpassword", "postgresql\tbq_weak_md5\tpostgres", "postgresql\tbq_strong\tpostgres", "postgresql\tbq_strong\tpassword")
	wantAccounts(t, check(t, "postgresql", port, d, "bq_weak", "bq_weak_md5", "bq_strong"), "bq_weak", "bq_weak_md5")
	wantAccounts(t, check(t, "postgresql", port, d, "bq_strong"))
}

// TestPostgresTrustIsNoAuth: the shared server trusts loopback clients, which
// the checker reports as access without authentication, not as a password.
func TestPostgresTrustIsNoAuth(t *testing.T) {
	if c, err := net.DialTimeout("tcp", "127.0.0.1:5432", time.Second); err != nil {
		testutil.Missing(t, "no PostgreSQL on 5432: %v", err)
	} else {
		c.Close()
	}
	fs := check(t, "postgresql", 5432, dict(t, "postgresql\tpostgres\tnot-the-password"))
	if len(fs) != 1 || fs[0].PluginID != "noauth:postgresql" {
		t.Fatalf("trust authentication: %+v", fs)
	}
}

func TestVNCPasswords(t *testing.T) {
	xvnc := need(t, "Xvnc", "tigervnc-standalone-server")
	vncpasswd := need(t, "vncpasswd", "tigervnc-tools")
	d := dict(t, "vnc\t\t123456", "vnc\t\tpassword", "vnc\t\tadmin")
	for i, tc := range []struct {
		name, pass string
		want       string
	}{{"weak", "password", "weak-credential:vnc"}, {"strong", strongPassword()[:8], ""}, {"none", "", "noauth:vnc"}} {
		t.Run(tc.name, func(t *testing.T) {
			port := freePort(t)
			display := ":" + strconv.Itoa(70+i)
			args := []string{display, "-rfbport", strconv.Itoa(port), "-localhost", "-interface", "127.0.0.1", "-nolisten", "tcp"}
			if tc.pass == "" {
				args = append(args, "-SecurityTypes", "None")
			} else {
				pf := filepath.Join(t.TempDir(), "passwd")
				cmd := exec.Command(vncpasswd, "-f")
				cmd.Stdin = strings.NewReader(tc.pass + "\n" + tc.pass + "\n")
				out, err := cmd.Output()
				if err != nil {
					t.Fatal(err)
				}
				os.WriteFile(pf, out, 0o600)
				args = append(args, "-SecurityTypes", "VncAuth", "-PasswordFile", pf)
			}
			startServer(t, port, xvnc, args...)
			fs := check(t, "vnc", port, d)
			switch {
			case tc.want == "" && len(fs) != 0:
				t.Fatalf("strong password: %+v", fs)
			case tc.want != "" && (len(fs) != 1 || fs[0].PluginID != tc.want):
				t.Fatalf("findings %+v, want %s", fs, tc.want)
			}
		})
	}
}

func TestSSHAccounts(t *testing.T) {
	sshd := need(t, "sshd", "openssh-server")
	keygen := need(t, "ssh-keygen", "openssh-client")
	systemUser(t, "bq_weak", "password")
	systemUser(t, "bq_strong", strongPassword())
	dir := t.TempDir()
	key := filepath.Join(dir, "hostkey")
	run(t, keygen, "-q", "-t", "ed25519", "-N", "", "-f", key)
	port := freePort(t)
	conf := filepath.Join(dir, "sshd_config")
	os.WriteFile(conf, []byte(fmt.Sprintf("Port %d\nListenAddress 127.0.0.1\nHostKey %s\nPasswordAuthentication yes\nKbdInteractiveAuthentication yes\nUsePAM yes\nPidFile %s/pid\nMaxAuthTries 10\n", port, key, dir)), 0o600)
	os.MkdirAll("/run/sshd", 0o755)
	startServer(t, port, sshd, "-D", "-e", "-f", conf)
	d := dict(t, "ssh\tbq_weak\t123456", "ssh\tbq_weak\tpassword", "ssh\tbq_strong\tpassword", "ssh\tbq_strong\t123456")
	wantAccounts(t, check(t, "ssh", port, d, "bq_weak", "bq_strong"), "bq_weak")
}

func TestFTPAccounts(t *testing.T) {
	vsftpd := need(t, "vsftpd", "vsftpd")
	systemUser(t, "bq_weak", "password")
	systemUser(t, "bq_strong", strongPassword())
	dir := t.TempDir()
	port := freePort(t)
	os.MkdirAll("/var/run/vsftpd/empty", 0o755)
	conf := filepath.Join(dir, "vsftpd.conf")
	os.WriteFile(conf, []byte(fmt.Sprintf("listen=YES\nlisten_ipv6=NO\nlisten_address=127.0.0.1\nlisten_port=%d\nbackground=NO\nlocal_enable=YES\nanonymous_enable=NO\npam_service_name=vsftpd\nsecure_chroot_dir=/var/run/vsftpd/empty\nseccomp_sandbox=NO\nvsftpd_log_file=%s/log\n", port, dir)), 0o600)
	startServer(t, port, vsftpd, conf)
	d := dict(t, "ftp\tbq_weak\t123456", "ftp\tbq_weak\tpassword", "ftp\tbq_strong\tpassword", "ftp\tbq_strong\t123456")
	wantAccounts(t, check(t, "ftp", port, d, "bq_weak", "bq_strong"), "bq_weak")
}

func TestTelnetAccounts(t *testing.T) {
	inetd := need(t, "inetutils-inetd", "inetutils-inetd")
	telnetd := need(t, "telnetd", "inetutils-telnetd")
	systemUser(t, "bq_weak", "password")
	systemUser(t, "bq_strong", strongPassword())
	dir := t.TempDir()
	port := freePort(t)
	conf := filepath.Join(dir, "inetd.conf")
	os.WriteFile(conf, []byte(fmt.Sprintf("127.0.0.1:%d stream tcp nowait root %s telnetd\n", port, telnetd)), 0o600)
	startServer(t, port, inetd, "-d", "--pidfile="+filepath.Join(dir, "pid"), conf)
	d := dict(t, "telnet\tbq_weak\t123456", "telnet\tbq_weak\tpassword", "telnet\tbq_strong\tpassword", "telnet\tbq_strong\t123456")
	wantAccounts(t, check(t, "telnet", port, d, "bq_weak", "bq_strong"), "bq_weak")
}

// TestTelnetHashBannerIsNotALogin: a service whose banner ends in "#" (a
// device menu, a fake shell) gives no login: the proof needs evaluated output.
func TestTelnetHashBannerIsNotALogin(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				buf := make([]byte, 256)
				c.Write([]byte("Welcome to the infusion gateway\r\nlogin: "))
				c.Read(buf)
				c.Write([]byte("Password: "))
				c.Read(buf)
				c.Write([]byte("\r\nGW-01# "))
				n, _ := c.Read(buf)
				c.Write(append([]byte("\r\n"), buf[:n]...)) // echoes the command back, evaluates nothing
				c.Write([]byte("\r\nGW-01# "))
				time.Sleep(300 * time.Millisecond)
			}()
		}
	}()
	port := ln.Addr().(*net.TCPAddr).Port
	fs := check(t, "telnet", port, dict(t, "telnet\tadmin\tadmin"))
	if len(fs) != 0 {
		t.Fatalf("a '#' prompt counted as a login: %+v", fs)
	}
}

func TestSMTPAuth(t *testing.T) {
	exim := need(t, "exim4", "exim4-daemon-light")
	needRoot(t)
	dir := t.TempDir()
	// exim writes its spool and logs as its own user.
	os.MkdirAll(filepath.Join(dir, "spool"), 0o777)
	os.Chmod(dir, 0o777)
	os.Chmod(filepath.Dir(dir), 0o755)
	port := freePort(t)
	strong := strongPassword()
	conf := filepath.Join(dir, "exim.conf")
	os.WriteFile(conf, []byte(fmt.Sprintf(`daemon_smtp_ports = %d
local_interfaces = 127.0.0.1
spool_directory = %s/spool
log_file_path = %s/%%s.log
pid_file_path = %s/exim.pid
primary_hostname = bianque.test
auth_advertise_hosts = *
acl_smtp_rcpt = acl_check_rcpt
begin acl
acl_check_rcpt:
  accept
begin authenticators
plain:
  driver = plaintext
  public_name = PLAIN
  server_prompts = :
  server_condition = ${if or {{and {{eq{$auth2}{bq_weak}}{eq{$auth3}{password}}}}{and {{eq{$auth2}{bq_strong}}{eq{$auth3}{%s}}}}}}
  server_set_id = $auth2
`, port, dir, dir, dir, strong)), 0o644)
	startServer(t, port, exim, "-bdf", "-C", conf, "-oX", strconv.Itoa(port)) // -bdf: stay in the foreground, so the cleanup ends it
	d := dict(t, "smtp\tbq_weak\t123456", "smtp\tbq_weak\tpassword", "smtp\tbq_strong\tpassword", "smtp\tbq_strong\t123456")
	wantAccounts(t, check(t, "smtp", port, d, "bq_weak", "bq_strong"), "bq_weak")
}

// TestTomcatManagerBasicAuth runs lighttpd with HTTP basic authentication on
// /manager/html, standing in for Tomcat's manager (the check is the same HTTP
// basic exchange; Tomcat itself needs a JVM, too heavy for CI).
func TestTomcatManagerBasicAuth(t *testing.T) {
	lighttpd := need(t, "lighttpd", "lighttpd")
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "www", "manager"), 0o755)
	os.WriteFile(filepath.Join(dir, "www", "manager", "html"), []byte("<title>/manager</title>Tomcat Web Application Manager"), 0o644)
	strong := strongPassword()
	os.WriteFile(filepath.Join(dir, "users"), []byte("tomcat:tomcat\nbq_strong:"+strong+"\n"), 0o644)
	port := freePort(t)
	conf := filepath.Join(dir, "lighttpd.conf")
	os.WriteFile(conf, []byte(fmt.Sprintf(`server.document-root = "%s/www"
server.port = %d
server.bind = "127.0.0.1"
server.modules = ("mod_auth", "mod_authn_file")
index-file.names = ("index.html")
auth.backend = "plain"
auth.backend.plain.userfile = "%s/users"
auth.require = ("/manager/html" => ("method" => "basic", "realm" => "Tomcat Manager Application", "require" => "valid-user"))
`, dir, port, dir)), 0o644)
	startServer(t, port, lighttpd, "-D", "-f", conf)
	d := dict(t, "tomcat\ttomcat\ts3cret", "tomcat\ttomcat\ttomcat", "tomcat\tbq_strong\ttomcat", "tomcat\tbq_strong\ts3cret")
	wantAccounts(t, check(t, "tomcat", port, d, "tomcat", "bq_strong"), "tomcat")
}

func TestSMBAccounts(t *testing.T) {
	smbd := need(t, "smbd", "samba")
	smbpasswd := need(t, "smbpasswd", "samba-common-bin")
	systemUser(t, "bq_weak", strongPassword()) // the Unix password is not the SMB one
	systemUser(t, "bq_strong", strongPassword())
	dir := t.TempDir()
	port := freePort(t)
	for _, d := range []string{"private", "lock", "state", "cache", "pid", "ncalrpc"} {
		os.MkdirAll(filepath.Join(dir, d), 0o755)
	}
	conf := filepath.Join(dir, "smb.conf")
	os.WriteFile(conf, []byte(fmt.Sprintf(`[global]
server role = standalone server
smb ports = %d
interfaces = 127.0.0.1
bind interfaces only = yes
disable netbios = yes
map to guest = never
private dir = %[2]s/private
lock directory = %[2]s/lock
state directory = %[2]s/state
cache directory = %[2]s/cache
pid directory = %[2]s/pid
ncalrpc dir = %[2]s/ncalrpc
passdb backend = tdbsam:%[2]s/private/passdb.tdb
log file = %[2]s/log.%%m
server min protocol = SMB2_02
`, port, dir)), 0o644)
	strong := strongPassword()
	for user, pass := range map[string]string{"bq_weak": "password", "bq_strong": strong} {
		cmd := exec.Command(smbpasswd, "-c", conf, "-s", "-a", user)
		cmd.Stdin = strings.NewReader(pass + "\n" + pass + "\n")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("smbpasswd: %v %s", err, out)
		}
	}
	startServer(t, port, smbd, "-F", "--no-process-group", "-s", conf, "--debug-stdout")
	d := dict(t, "smb\tbq_weak\t123456", "smb\tbq_weak\tpassword", "smb\tbq_strong\tpassword", "smb\tbq_strong\t123456")
	wantAccounts(t, check(t, "smb", port, d, "bq_weak", "bq_strong"), "bq_weak")
}
