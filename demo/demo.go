// Package demo fills a store with two demonstration hospitals, their staff,
// assets and a month of realistic tickets, and keeps raising new tickets
// while the server runs, so that a newcomer sees a working portal within a
// minute of "bianque serve --demo". Everything goes through the services
// as the demo people themselves, so the audit log and the timelines read as
// they would in production.
package demo

import (
	"context"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"sort"
	"sync"
	"time"

	"bianque"
	"bianque/auth"
	"bianque/service"
)

// Account is a demo sign-in.
type Account struct {
	Username   string
	Role       bianque.Role
	Hospital   string // tenant code, for hospital staff
	TOTPSecret string // empty: the account enrols at its first sign-in
}

// Result says what Seed made.
type Result struct {
	Password string // shared by every demo account
	Accounts []Account
	Tenants  []*bianque.Tenant
	Created  bool // false when the demo data existed and only credentials were reset
}

// settableClock lets Seed write history at past times, in order.
type settableClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *settableClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *settableClock) set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

var hospitals = []struct {
	code, name, region string
}{
	{"demo-szph", "示例市第一人民医院", "广东"},
	{"demo-tcm", "示例市中医院", "广东"},
}

type person struct {
	username, name string
	role           bianque.Role
	hospital       int // index into hospitals for hospital staff, -1 for provider staff
	enrolled       bool
}

var people = []person{
	{"admin", "平台管理员 Admin", bianque.RolePlatformAdmin, -1, true},
	{"manager", "服务经理 王敏", bianque.RoleServiceManager, -1, true},
	{"analyst", "一线分析师 李娜", bianque.RoleAnalyst, -1, true},
	{"responder", "二线响应 张伟", bianque.RoleResponder, -1, true},
	{"expert", "三线专家 陈静", bianque.RoleExpert, -1, true},
	{"auditor", "质量审计 刘洋", bianque.RoleAuditor, -1, true},
	{"szph-admin", "信息科 赵强", bianque.RoleHospitalAdmin, 0, true},
	{"szph-engineer", "接口工程师 孙丽", bianque.RoleHospitalEngineer, 0, true},
	{"szph-viewer", "分管院长 周军", bianque.RoleHospitalViewer, 0, true},
	{"tcm-admin", "信息科 吴芳", bianque.RoleHospitalAdmin, 1, true},
	{"newcomer", "新同事（首次登录绑定验证器）", bianque.RoleAnalyst, -1, false},
}

// Seed creates the demo data on an empty or demo store. On a store that
// already holds it, it only gives the demo accounts a new password and new
// TOTP secrets, so that the printed credentials work. Password hashing uses
// argon2 parameters p.
func Seed(ctx context.Context, store bianque.Store, now time.Time, p auth.Argon2Params) (*Result, error) {
	res := &Result{Password: "Demo-" + base64.RawURLEncoding.EncodeToString(auth.RandomBytes(9))}
	if _, err := store.TenantByCode(ctx, hospitals[0].code); err == nil {
		return res, resetAccounts(ctx, store, res, p)
	} else if bianque.ErrorCode(err) != bianque.ENOTFOUND {
		return nil, err
	}
	res.Created = true
	start := now.AddDate(0, 0, -30)
	clk := &settableClock{now: start}
	svc := service.New(store, service.Options{Clock: clk, Argon2: p})
	if _, _, err := service.Bootstrap(ctx, store, service.Options{Clock: clk, Argon2: p}, "bootstrap"); err != nil {
		return nil, err
	}
	boot, err := store.UserByUsername(ctx, "bootstrap")
	if err != nil {
		return nil, fmt.Errorf("demo needs an empty store or its own data: %w", err)
	}
	as := func(u *bianque.User) context.Context { return bianque.NewContextWithPrincipal(ctx, u.Principal()) }
	bootCtx := as(boot)

	var tenantIDs []string
	for _, h := range hospitals {
		t := &bianque.Tenant{Code: h.code, Name: h.name, Region: h.region}
		if err := svc.Tenants.CreateTenant(bootCtx, t); err != nil {
			return nil, fmt.Errorf("create demo tenant %s: %w", h.code, err)
		}
		res.Tenants = append(res.Tenants, t)
		tenantIDs = append(tenantIDs, t.ID)
	}
	users := map[string]*bianque.User{}
	for _, pp := range people {
		u := &bianque.User{Username: pp.username, DisplayName: pp.name, Role: pp.role, Locale: "zh-CN"}
		switch {
		case pp.hospital >= 0:
			u.TenantID = tenantIDs[pp.hospital]
		case pp.role != bianque.RolePlatformAdmin:
			u.Tenants = append([]string{}, tenantIDs...)
		}
		if err := svc.Users.CreateUser(bootCtx, u, res.Password); err != nil {
			return nil, fmt.Errorf("create demo user %s: %w", pp.username, err)
		}
		users[pp.username] = u
	}
	// The bootstrap account has done its work; the demo's admin takes over.
	if err := svc.Users.DeleteUser(as(users["admin"]), boot.ID); err != nil {
		return nil, err
	}
	if err := resetAccounts(ctx, store, res, p); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(uint64(now.UnixNano()), 0x6269616e717565))
	for i, tid := range tenantIDs {
		for _, a := range demoAssets(i) {
			a.TenantID = tid
			if err := svc.Assets.CreateAsset(as(users["manager"]), a); err != nil {
				return nil, fmt.Errorf("create demo asset %s: %w", a.Name, err)
			}
		}
	}
	if err := seedTickets(ctx, svc, clk, users, tenantIDs, start, now, rng); err != nil {
		return nil, err
	}
	return res, nil
}

// resetAccounts sets the shared password and fresh TOTP secrets on the demo
// accounts (the newcomer account is left to enrol itself).
func resetAccounts(ctx context.Context, store bianque.Store, res *Result, p auth.Argon2Params) error {
	h, err := auth.HashPassword(res.Password, p)
	if err != nil {
		return err
	}
	res.Accounts = nil
	for _, pp := range people {
		u, err := store.UserByUsername(ctx, pp.username)
		if err != nil {
			return fmt.Errorf("demo account %s: %w", pp.username, err)
		}
		u.PasswordHash, u.FailedLogins, u.LockedUntil, u.LastTOTPStep = h, 0, nil, 0
		acc := Account{Username: u.Username, Role: u.Role}
		if pp.hospital >= 0 {
			acc.Hospital = hospitals[pp.hospital].code
		}
		if pp.enrolled {
			u.TOTPSecret, u.MFAEnrolled = auth.NewTOTPSecret(), true
			acc.TOTPSecret = u.TOTPSecret
		} else {
			u.TOTPSecret, u.MFAEnrolled = "", false
		}
		if err := store.UpdateUser(ctx, u); err != nil {
			return err
		}
		res.Accounts = append(res.Accounts, acc)
	}
	return nil
}

type scenario struct {
	tt       bianque.TicketType
	sev      bianque.Severity
	title    string
	desc     string
	category string
}

var scenarios = []scenario{
	{bianque.TicketThreat, bianque.SeverityMajor, "疑似 WannaCry 勒索软件 SMB 横向扫描（10.12.3.45 → 10.12.0.0/16）", "防火墙在 10 分钟内记录到 10.12.3.45 向 1,800 个内网地址的 445 端口发起连接，特征与 EternalBlue 扫描一致。", "infectious_malware"},
	{bianque.TicketThreat, bianque.SeverityGeneral, "HIS 应用服务器 SSH 暴力破解（来源 203.0.113.77）", "10.10.1.21 在 1 小时内出现 2,304 次 SSH 登录失败，来源为境外地址 203.0.113.77。", "network_attack_failed"},
	{bianque.TicketThreat, bianque.SeverityMajor, "护士站工作站连接已知 C2 域名", "DNS 日志显示 10.20.8.113 解析并连接威胁情报标记的 C2 域名，连接周期约 60 秒。", "non_infectious_malware"},
	{bianque.TicketThreat, bianque.SeverityGeneral, "WAF 拦截挂号系统 SQL 注入尝试", "Web 应用防火墙拦截 146 条针对 /api/register 的 UNION SELECT 注入载荷，均已阻断。", "network_attack_failed"},
	{bianque.TicketThreat, bianque.SeverityGeneral, "PACS 服务器异常外联", "PACS 影像服务器 10.30.0.12 向境外地址发起 HTTPS 连接，非业务所需。", "network_attack_failed"},
	{bianque.TicketThreat, bianque.SeverityMajor, "医保前置机执行可疑 PowerShell 编码命令", "EDR 告警：powershell.exe -enc … 由 winword.exe 启动，疑似宏病毒投递。", "non_infectious_malware"},
	{bianque.TicketThreat, bianque.SeverityGeneral, "监护仪网段出现未授权 Telnet 访问", "被动流量分析发现办公网终端 10.20.9.40 访问监护中心站 23 端口。", "device"},
	{bianque.TicketVulnerability, bianque.SeverityMajor, "PACS 服务器存在 Log4j2 远程代码执行漏洞（CVE-2021-44228）", "扫描发现 PACS Web 组件使用 log4j-core 2.14.1。建议升级至 2.17.1 或以上。", "vulnerability"},
	{bianque.TicketVulnerability, bianque.SeverityMajor, "CT 工作站运行 Windows 7 且缺少 MS17-010 补丁", "CT 操作站 10.30.2.5 开放 445 端口，未安装 MS17-010。需厂商确认后加固。", "vulnerability"},
	{bianque.TicketVulnerability, bianque.SeverityGeneral, "LIS 数据库使用弱口令", "LIS 数据库 sa 账户口令可被字典命中，建议立即修改并限制来源地址。", "weak_password"},
	{bianque.TicketVulnerability, bianque.SeverityGeneral, "OA 系统 Struts2 远程代码执行漏洞（CVE-2017-5638）", "院内 OA 系统 Struts2 版本 2.3.31 受影响。", "vulnerability"},
	{bianque.TicketEmergency, bianque.SeverityMajor, "急诊科 HIS 客户端大面积无法登录，疑似网络攻击", "急诊科 12 台工作站同时无法连接 HIS，交换机日志出现大量 ARP 异常。请求应急响应。", "network_attack_succeeded"},
	{bianque.TicketEmergency, bianque.SeverityGeneral, "门诊自助机弹出勒索提示页面", "门诊二楼自助机屏幕出现勒索提示，已拔网线隔离，请求远程协助研判。", "infectious_malware"},
}

type step struct {
	at     time.Time
	seq    int
	run    func() error
	ticket int
}

// seedTickets writes a month of tickets, each with a believable course, in
// the global order of their steps so that audit times only move forward.
func seedTickets(ctx context.Context, svc *service.Services, clk *settableClock, users map[string]*bianque.User,
	tenantIDs []string, start, now time.Time, rng *rand.Rand) error {
	as := func(name string) context.Context {
		return bianque.NewContextWithPrincipal(ctx, users[name].Principal())
	}
	var steps []step
	tickets := map[int]*bianque.Ticket{}
	n := 0
	for day := start; day.Before(now.Add(-2 * time.Hour)); day = day.Add(time.Duration(6+rng.IntN(14)) * time.Hour) {
		for _, tid := range tenantIDs {
			if rng.IntN(3) == 0 {
				continue
			}
			idx := n
			n++
			sc := scenarios[rng.IntN(len(scenarios))]
			raised := day.Add(time.Duration(rng.IntN(360)) * time.Minute)
			if !raised.Before(now) {
				continue
			}
			creator, hospitalAdmin := "analyst", "szph-admin"
			if tid != tenantIDs[0] {
				hospitalAdmin = "tcm-admin"
			}
			if sc.tt == bianque.TicketEmergency {
				creator = "szph-engineer"
				if tid != tenantIDs[0] {
					creator = "tcm-admin"
				}
			}
			tid, sc := tid, sc
			add := func(at time.Time, fn func() error) {
				if at.Before(now) {
					steps = append(steps, step{at: at, seq: len(steps), run: fn, ticket: idx})
				}
			}
			add(raised, func() error {
				t := &bianque.Ticket{TenantID: tid, Type: sc.tt, Severity: sc.sev, Title: sc.title, Description: sc.desc, Category: sc.category, Source: "demo"}
				if err := svc.Tickets.CreateTicket(as(creator), t); err != nil {
					return err
				}
				tickets[idx] = t
				return nil
			})
			act := func(who string, a bianque.TicketAction, note string) func() error {
				return func() error {
					t := tickets[idx]
					if t == nil {
						return nil
					}
					_, err := svc.Tickets.Act(as(who), tid, t.ID, a, note)
					return err
				}
			}
			// How far this ticket gets, and how fast: most close, some are
			// still being worked on, a few are left late to show breaches.
			course := rng.IntN(10)
			ack := raised.Add(time.Duration(3+rng.IntN(75)) * time.Minute)
			if course == 0 {
				continue // still new
			}
			add(ack, act("analyst", bianque.ActionAcknowledge, ""))
			switch {
			case sc.tt == bianque.TicketVulnerability:
				if course >= 4 {
					add(ack.Add(time.Duration(1+rng.IntN(20))*24*time.Hour), act("expert", bianque.ActionClose, "已修复并复测通过。"))
				}
			case course <= 2 && sc.tt == bianque.TicketThreat && sc.sev == bianque.SeverityGeneral:
				add(ack.Add(time.Duration(10+rng.IntN(50))*time.Minute), act("analyst", bianque.ActionFalsePositive, "业务系统正常行为（已与信息科确认），加入白名单。"))
				add(ack.Add(2*time.Hour), act("analyst", bianque.ActionClose, "误报，已关闭。"))
			default:
				conf := ack.Add(time.Duration(5+rng.IntN(40)) * time.Minute)
				add(conf, act("analyst", bianque.ActionConfirm, ""))
				// The hospital authorises the handling plan, which starts MTTR (R13.1).
				add(conf.Add(time.Duration(2+rng.IntN(10))*time.Minute), act(hospitalAdmin, bianque.ActionAuthorize, ""))
				if course >= 3 {
					add(conf.Add(time.Duration(5+rng.IntN(30))*time.Minute), act("responder", bianque.ActionContain, "已在防火墙封禁来源地址并隔离主机。"))
				}
				if course >= 5 {
					add(conf.Add(time.Duration(2+rng.IntN(10))*time.Hour), act("expert", bianque.ActionClose, "已完成遏制、排查、溯源、清除与加固，出具处置报告。"))
				}
			}
		}
	}
	sort.SliceStable(steps, func(i, j int) bool { return steps[i].at.Before(steps[j].at) })
	for _, st := range steps {
		clk.set(st.at)
		if err := st.run(); err != nil {
			if code := bianque.ErrorCode(err); code == bianque.ECONFLICT || code == bianque.EFORBIDDEN {
				continue // a course that no longer fits the ticket's state
			}
			return fmt.Errorf("demo ticket history: %w", err)
		}
	}
	return nil
}
