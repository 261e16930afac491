/* The home page charts (app/features/dashboard.py Chart.spec): each .dashboard-chart carries its data as JSON in
   data-chart; drawn with the vendored Apache ECharts, Chinese locale, no toolbox. Texts from the database
   (department and category names) are escaped before they reach a tooltip. */
(function () {
  "use strict";
  if (typeof echarts === "undefined") { return; }

  function esc(text) {
    return String(text).replace(/[&<>"']/g, function (ch) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;"}[ch];
    });
  }

  function number(value, spec) {
    if (spec.money) {
      return "¥" + Number(value).toLocaleString("zh-CN", {minimumFractionDigits: 2, maximumFractionDigits: 2});
    }
    return Number(value).toLocaleString("zh-CN", {maximumFractionDigits: 2}) + (spec.unit || "");
  }

  function axisNumber(value, spec) {
    if (spec.money && Math.abs(value) >= 10000) {
      return (value / 10000).toLocaleString("zh-CN", {maximumFractionDigits: 1}) + "万";
    }
    return Number(value).toLocaleString("zh-CN") + (spec.money ? "" : (spec.unit || ""));
  }

  function line(marker, name, value, note, spec) {
    return marker + esc(name) + "：" + number(value, spec) + (note ? "（" + esc(note) + "）" : "");
  }

  function barOption(spec) {
    var several = spec.series.length > 1;
    var many = spec.categories.length > 5;
    return {
      color: ["#5470c6", "#ee6666", "#91cc75", "#fac858", "#73c0de"],
      tooltip: {
        trigger: "axis",
        confine: true,
        axisPointer: {type: "shadow"},
        formatter: function (params) {
          var rows = [esc(params[0].axisValue)];
          params.forEach(function (p) {
            rows.push(line(p.marker, p.seriesName, p.value, p.data && p.data.note, spec));
          });
          return rows.join("<br>");
        }
      },
      legend: several ? {top: 0} : {show: false},
      grid: {left: 8, right: 16, bottom: 8, top: several ? 36 : 16, containLabel: true},
      xAxis: {type: "category", data: spec.categories,
              axisLabel: {interval: 0, rotate: many ? 30 : 0, fontSize: 11}},
      yAxis: {type: "value", max: spec.max === null ? undefined : spec.max,
              axisLabel: {formatter: function (v) { return axisNumber(v, spec); }}},
      series: spec.series.map(function (s) {
        return {
          name: s.name, type: "bar", barMaxWidth: 36,
          data: s.data.map(function (v, i) { return {value: v, note: s.notes[i] || ""}; })
        };
      })
    };
  }

  function pieOption(spec, narrow) {
    var s = spec.series[0];
    return {
      tooltip: {
        trigger: "item",
        confine: true,
        formatter: function (p) {
          return line(p.marker, p.name, p.value, "占 " + p.percent + "%", spec);
        }
      },
      legend: narrow ? {type: "scroll", bottom: 0} : {type: "scroll", orient: "vertical", left: 0, top: "middle"},
      series: [{
        name: s.name, type: "pie", radius: ["35%", "65%"], center: narrow ? ["50%", "45%"] : ["62%", "50%"],
        label: {formatter: "{d}%"},
        data: spec.categories.map(function (c, i) { return {name: c, value: s.data[i]}; })
      }]
    };
  }

  var charts = [];
  document.querySelectorAll(".dashboard-chart[data-chart]").forEach(function (el) {
    var spec;
    try { spec = JSON.parse(el.getAttribute("data-chart")); } catch (e) { return; }
    var chart = echarts.init(el, null, {locale: "ZH"});
    chart.setOption(spec.type === "pie" ? pieOption(spec, el.clientWidth < 480) : barOption(spec));
    charts.push(chart);
  });
  window.addEventListener("resize", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
})();
