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

  document.addEventListener("DOMContentLoaded", function () {
    autosubmit();
    dashboard();
  });
})();
