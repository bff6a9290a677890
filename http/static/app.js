// Bianque portal behaviour. Loaded as a file so the Content-Security-Policy
// can forbid inline script. Charts read their data from the
// <script type="application/json" id="dashboard-data"> element.
(function () {
  "use strict";

  function autosubmit() {
    document.querySelectorAll("select[data-autosubmit]").forEach(function (el) {
      el.addEventListener("change", function () { el.form.submit(); });
    });
  }

  var palette = ["#0b6e6e", "#d9822b", "#b3261e", "#5470c6", "#91cc75", "#73c0de", "#9a60b4"];

  function bar(el, series, horizontal) {
    var chart = echarts.init(el, null, { renderer: "canvas" });
    var cat = { type: "category", data: series.labels, axisLabel: { interval: 0 } };
    var val = { type: "value", minInterval: 1 };
    chart.setOption({
      color: palette,
      grid: { left: horizontal ? 90 : 40, right: 16, top: 12, bottom: 28 },
      tooltip: { trigger: "axis" },
      xAxis: horizontal ? val : cat,
      yAxis: horizontal ? cat : val,
      series: [{ type: "bar", data: series.values, colorBy: "data", label: { show: true, position: horizontal ? "right" : "top" } }]
    });
    chart.on("click", function (p) {
      var link = series.links && series.links[p.dataIndex];
      if (link) { window.location.href = link; }
    });
    return chart;
  }

  function attainment(el, a) {
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption({
      color: palette,
      tooltip: { trigger: "axis", valueFormatter: function (v) { return Math.round(v) + "%"; } },
      legend: { top: 0 },
      grid: { left: 48, right: 16, top: 36, bottom: 28 },
      xAxis: { type: "category", data: a.metrics },
      yAxis: { type: "value", min: 0, max: 100, name: a.title, axisLabel: { formatter: "{value}%" } },
      series: a.tenants.map(function (name, i) {
        return { name: name, type: "bar", data: a.share[i].map(function (v) { return Math.round(v * 10) / 10; }) };
      })
    });
    return chart;
  }

  function dashboard() {
    var node = document.getElementById("dashboard-data");
    if (!node || typeof echarts === "undefined") { return; }
    var d = JSON.parse(node.textContent);
    var charts = [];
    var el;
    if ((el = document.getElementById("chart-type"))) { charts.push(bar(el, d.by_type, false)); }
    if ((el = document.getElementById("chart-severity"))) { charts.push(bar(el, d.by_severity, false)); }
    if ((el = document.getElementById("chart-state"))) { charts.push(bar(el, d.by_state, true)); }
    if ((el = document.getElementById("chart-attainment")) && d.attainment.tenants) { charts.push(attainment(el, d.attainment)); }
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
    document.body.setAttribute("data-charts", String(charts.length));
  }

  function fmtBytes(n) {
    var u = ["B", "KiB", "MiB", "GiB"], i = 0;
    while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
    return (i ? n.toFixed(1) : n) + " " + u[i];
  }

  // The communication map of a device: the device, its peers (medical
  // devices, other devices, vendor endpoints, other internet hosts, group
  // addresses), one arrow per flow from client to server coloured by kind
  // (clinical, control, other), dashed where the flow carries a risk.
  function peers() {
    var el = document.getElementById("peers-chart");
    var node = document.getElementById("peers-data");
    var legendNode = document.getElementById("peers-legend");
    if (!el || !node || !legendNode || typeof echarts === "undefined") { return null; }
    var d = JSON.parse(node.textContent);
    var legend = JSON.parse(legendNode.textContent);
    var kindColor = { clinical: "#b3261e", control: "#d9822b", other: "#8a97a3" };
    var enc = echarts.format.encodeHTML;
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.on("finished", function () { document.body.setAttribute("data-peers-graph", "rendered"); });
    chart.setOption({
      color: ["#12343b", "#b3261e", "#5470c6", "#1e7b34", "#d9822b", "#9aa5ad"],
      tooltip: {
        formatter: function (p) {
          if (p.dataType === "edge") { return enc(p.data.source + " → " + p.data.target) + "<br>" + enc(p.data.text) + " · " + fmtBytes(p.data.bytes); }
          return enc(p.data.display);
        }
      },
      legend: [{ data: legend, top: 0 }],
      series: [{
        type: "graph", layout: "force", roam: true, draggable: true,
        categories: legend.map(function (n) { return { name: n }; }),
        label: { show: true, position: "right", fontSize: 11, formatter: function (p) { return p.data.display; } },
        edgeSymbol: ["none", "arrow"], edgeSymbolSize: 7,
        edgeLabel: { show: d.links.length <= 24, fontSize: 10, formatter: function (p) { return p.data.text; } },
        force: { repulsion: 280, edgeLength: [90, 170] },
        data: d.nodes,
        links: d.links.map(function (l) {
          return {
            source: l.source, target: l.target, text: l.label, bytes: l.bytes,
            lineStyle: { color: kindColor[l.kind] || kindColor.other, width: l.kind === "clinical" ? 2.5 : 1.2, type: l.risky ? "dashed" : "solid", curveness: 0.1 }
          };
        })
      }]
    });
    window.addEventListener("resize", function () { chart.resize(); });
    return chart;
  }

  // An alert's attack trend: occurrences per interval.
  function trend(el, d) {
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption({
      color: palette,
      grid: { left: 40, right: 16, top: 12, bottom: 28 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: d.labels },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ type: d.labels.length > 1 ? "line" : "bar", data: d.counts, areaStyle: {}, smooth: true, symbolSize: 6 }]
    });
    return chart;
  }

  // ATT&CK coverage per tactic: covered and not covered techniques.
  function coverage(el, d) {
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption({
      color: ["#0b6e6e", "#dde2e7"],
      legend: { top: 0 },
      grid: { left: 150, right: 16, top: 30, bottom: 20 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: d.tactics, inverse: true },
      series: [
        { name: d.labels[0], type: "bar", stack: "t", data: d.covered, label: { show: true } },
        { name: d.labels[1], type: "bar", stack: "t", data: d.uncovered }
      ]
    });
    return chart;
  }

  // Charts of detection pages; body[data-charts] counts them when drawn.
  function pageCharts() {
    if (typeof echarts === "undefined") { return; }
    var charts = [];
    var node, el;
    if ((node = document.getElementById("trend-data")) && (el = document.getElementById("chart-trend"))) {
      charts.push(trend(el, JSON.parse(node.textContent)));
    }
    if ((node = document.getElementById("coverage-data")) && (el = document.getElementById("chart-coverage"))) {
      charts.push(coverage(el, JSON.parse(node.textContent)));
    }
    if (charts.length === 0) { return; }
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
    document.body.setAttribute("data-charts", String(charts.length));
  }

  document.addEventListener("DOMContentLoaded", function () {
    autosubmit();
    dashboard();
    peers();
    pageCharts();
  });
})();
