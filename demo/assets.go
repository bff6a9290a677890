package demo

import (
	"fmt"
	"strconv"
	"strings"

	"bianque"
)

// demoAssets returns the asset ledger of demo hospital i: the business
// systems, servers, network gear and connected medical devices a Chinese
// tertiary hospital typically runs.
func demoAssets(i int) []*bianque.Asset {
	// "zone.subnet.host" becomes 10.(zone+100i).subnet.host: one 10/8 plan per hospital.
	net := func(s string) string {
		parts := strings.SplitN(s, ".", 2)
		zone, _ := strconv.Atoi(parts[0])
		return fmt.Sprintf("10.%d.%s", zone+100*i, parts[1])
	}
	med := func(fda int, life bool, disruption, phi string) *bianque.MedicalProfile {
		return &bianque.MedicalProfile{FDAClass: fda, LifeSupporting: life, Disruption: disruption, PHI: phi, ManagedBy: "clinical_engineering"}
	}
	return []*bianque.Asset{
		{Name: "HIS 应用服务器", Kind: bianque.AssetServer, IPs: []string{net("10.1.21")}, OS: "CentOS", OSVersion: "7.9", Department: "信息科", BusinessSystem: "HIS", Importance: 5},
		{Name: "HIS 数据库", Kind: bianque.AssetServer, IPs: []string{net("10.1.22")}, OS: "Windows Server", OSVersion: "2016", Vendor: "Microsoft", Model: "SQL Server 2016", Department: "信息科", BusinessSystem: "HIS", Importance: 5},
		{Name: "EMR 电子病历服务器", Kind: bianque.AssetServer, IPs: []string{net("10.1.30")}, OS: "Windows Server", OSVersion: "2019", Department: "信息科", BusinessSystem: "EMR", Importance: 5},
		{Name: "PACS 影像服务器", Kind: bianque.AssetServer, IPs: []string{net("30.0.12")}, OS: "Windows Server", OSVersion: "2012 R2", Department: "放射科", BusinessSystem: "PACS", Importance: 5},
		{Name: "LIS 检验系统数据库", Kind: bianque.AssetServer, IPs: []string{net("10.1.40")}, OS: "Oracle Linux", OSVersion: "7", Department: "检验科", BusinessSystem: "LIS", Importance: 4},
		{Name: "医保前置机", Kind: bianque.AssetServer, IPs: []string{net("10.1.50")}, OS: "Windows Server", OSVersion: "2008 R2", Department: "医保办", Importance: 4},
		{Name: "互联网出口防火墙", Kind: bianque.AssetNetwork, IPs: []string{net("0.0.1")}, Vendor: "Hillstone", Model: "SG-6000-E3960", Department: "信息科", Importance: 5},
		{Name: "核心交换机", Kind: bianque.AssetNetwork, IPs: []string{net("0.0.2")}, Vendor: "H3C", Model: "S12508", Department: "信息科", Importance: 5},
		{Name: "护士站工作站 8F-03", Kind: bianque.AssetWorkstation, IPs: []string{net("20.8.113")}, OS: "Windows", OSVersion: "10", Department: "心内科", Importance: 2},
		{Name: "门诊自助机 2F-07", Kind: bianque.AssetWorkstation, IPs: []string{net("20.2.57")}, OS: "Windows", OSVersion: "7", Department: "门诊部", Importance: 3},
		{Name: "CT 扫描仪", Kind: bianque.AssetMedical, DeviceType: "ct", IPs: []string{net("30.2.5")}, Vendor: "GE Healthcare", Model: "Revolution CT", OS: "Windows", OSVersion: "7", Department: "放射科", Importance: 5, Medical: med(2, false, "care", "large")},
		{Name: "磁共振 MR", Kind: bianque.AssetMedical, DeviceType: "mr", IPs: []string{net("30.2.6")}, Vendor: "Siemens Healthineers", Model: "MAGNETOM Skyra", Department: "放射科", Importance: 5, Medical: med(2, false, "care", "large")},
		{Name: "ICU 监护中心站", Kind: bianque.AssetMedical, DeviceType: "patient_monitor", IPs: []string{net("40.1.10")}, Vendor: "Mindray", Model: "BeneVision CMS", Department: "ICU", Importance: 5, Medical: med(2, true, "critical", "limited")},
		{Name: "输液泵 ICU-12", Kind: bianque.AssetMedical, DeviceType: "infusion_pump", IPs: []string{net("40.1.112")}, Vendor: "B. Braun", Model: "Space", Department: "ICU", Importance: 5, Medical: med(2, true, "critical", "none")},
		{Name: "门诊楼网络摄像机", Kind: bianque.AssetIoT, DeviceType: "ip_camera", IPs: []string{net("50.3.21")}, Vendor: "Hikvision", Department: "保卫科", Importance: 2},
		{Name: "检验科网络打印机", Kind: bianque.AssetIoT, DeviceType: "printer", IPs: []string{net("50.4.9")}, Vendor: "HP", Model: "LaserJet M605", Department: "检验科", Importance: 1},
	}
}
