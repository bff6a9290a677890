package vendors_test

import "testing"

func TestCyberArk(t *testing.T) {
	runECSCases(t, "cyberark", true, []ecsCase{
		{"privilege cloud", `{"uuid":"u1","tenantId":"t1","timestamp":1739363114854,"username":"ops@hosp.example","applicationCode":"PAM","auditCode":"PAM00100","auditType":"Info","action":"Retrieve password","userId":"ops@hosp.example","source":"PVWA","actionType":"Password","component":"Vault","serviceName":"Privilege Cloud","target":"10.5.5.5","message":"","customData":{"PAM":{"target":"Root\\Windows-DomainAdmin-admin"}},"safe":"Admins","accountName":"Windows-DomainAdmin-admin"}`,
			map[string]any{"@timestamp": "2025-02-12T12:25:14.854Z", "event.action": "Retrieve password", "event.type": []any{"access"}, "event.code": "PAM00100",
				"user.email": "ops@hosp.example", "user.target.name": "Windows-DomainAdmin-admin", "user.target.domain": "Root", "destination.ip": "10.5.5.5",
				"observer.name": "PVWA", "observer.product": "Privilege Cloud", "organization.id": "t1"}},
		{"identity", `{"tenantId":"t1","timestamp":1739268337147,"username":"svc","applicationCode":"IDP","auditCode":"IDP1000","auditType":"Info","action":"cloud.core.login.success","userId":"x","source":"192.0.2.4","actionType":"Login","component":"Identity","serviceName":"Identity"}`,
			map[string]any{"event.category": []any{"authentication"}, "event.outcome": "success", "source.ip": "192.0.2.4", "user.name": "svc", "related.user": []any{"svc"}}},
		{"vault leef", "LEEF:1.0|Cyber-Ark|Vault|14.0|22|sev=5\tAction=Retrieve File\tusrName=admin\tsrc=10.0.0.8\tSourceUser=\tFile=Root\\Policies.xml\tSafe=PVWAConfig\tshost=10.0.0.8\tdhost=vault01\tduser=",
			map[string]any{"event.action": "Retrieve File", "event.category": []any{"file"}, "user.name": "admin", "file.name": `Root\Policies.xml`, "destination.domain": "vault01", "event.severity": int64(5)}},
	})
}

func FuzzCyberArk(f *testing.F) {
	fuzzVendor(f, "cyberark",
		`{"auditCode":1,"applicationCode":[],"action":".","customData":{"PAM":{"target":"\\"}},"accountName":"x"}`,
		"LEEF:1.0|Cyber-Ark|Vault|1|2|Action=\tsrc=\tdhost=::1", `{"auditCode":"","applicationCode":"","action":"add"}`)
}
