/**
 * The report page's script (runs in the browser, plain JS): draws each chart spec with uPlot,
 * marks kernel events, and wires the revision switch (charts' series, tables' rows and columns).
 * Kept as text here because it is inlined into the page, never imported.
 */
export const REVISION_COLORS = ["#1f6fd1", "#d6336c", "#2b9348", "#e8590c", "#7048e8", "#0c8599"] as const;

export const CLIENT_SCRIPT = String.raw`
(function () {
  "use strict";
  var COLORS = __COLORS__;
  var revs = JSON.parse(document.getElementById("tphlab-revisions").textContent);
  var charts = [];
  var current = "all";
  function revColor(rev, i) {
    var k = rev == null ? i : revs.indexOf(rev);
    return COLORS[(k < 0 ? i : k) % COLORS.length];
  }
  function visible(rev) { return current === "all" || rev == null || rev === current; }
  function markerPlugin(spec) {
    return { hooks: { draw: [function (u) {
      var ms = spec.markers || [];
      if (!ms.length) return;
      var ctx = u.ctx, top = u.bbox.top, h = u.bbox.height;
      ctx.save();
      ctx.strokeStyle = "rgba(40,40,40,0.55)";
      ctx.fillStyle = "rgba(40,40,40,0.9)";
      ctx.setLineDash([4, 3]);
      ctx.lineWidth = 1;
      ctx.font = Math.round(10 * devicePixelRatio) + "px sans-serif";
      var lastX = -1e9, row = 0;
      ms.forEach(function (m) {
        if (!m.revs.some(visible)) return;
        var x = Math.round(u.valToPos(m.x, "x", true));
        if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) return;
        ctx.beginPath(); ctx.moveTo(x, top); ctx.lineTo(x, top + h); ctx.stroke();
        row = x - lastX < 60 * devicePixelRatio ? row + 1 : 0;
        lastX = x;
        ctx.fillText(m.label, x + 3, top + (12 + 12 * (row % 4)) * devicePixelRatio);
      });
      ctx.restore();
    }] } };
  }
  function seriesOpts(spec, s, i) {
    var color = revColor(s.rev, i);
    var o = { label: s.label, stroke: color, width: 2, spanGaps: true, show: visible(s.rev) };
    if (s.dash) o.dash = s.dash;
    if (spec.style === "points") {
      o.paths = function () { return null; };
      o.points = { show: true, size: 10, stroke: color, fill: color };
    } else if (spec.style === "step") {
      // Points too: the quantiles are the data, and a distribution with p50 = max is one point.
      o.paths = uPlot.paths.stepped({ align: 1 });
      o.points = { show: true, size: 7, stroke: color, fill: color };
    } else {
      o.points = { show: false };
    }
    return o;
  }
  function draw(fig) {
    var spec = JSON.parse(fig.querySelector("script.chart-spec").textContent);
    var el = fig.querySelector(".plot");
    var xAxis = { label: spec.xLabel };
    if (spec.xCategories) {
      xAxis.splits = function () { return spec.xCategories.map(function (_, i) { return i; }); };
      xAxis.values = function (u, splits) { return splits.map(function (v) { return spec.xCategories[v] || ""; }); };
      // Category names are long ("accelerator/p1 write"): slanted, with room below the axis.
      xAxis.rotate = 30;
      xAxis.size = 80;
    }
    var xScale = { time: false };
    if (spec.xCategories) xScale.range = function () { return [-0.6, spec.xCategories.length - 0.4]; };
    var yScale = spec.yRange ? { range: function () { return spec.yRange.slice(); } } : {};
    var opts = {
      width: Math.max(240, el.clientWidth),
      height: 260,
      scales: { x: xScale, y: yScale },
      axes: [xAxis, { label: spec.yLabel }],
      legend: { live: false },
      cursor: { drag: { x: true, y: false } },
      series: [{ label: spec.xLabel }].concat(spec.series.map(function (s, i) { return seriesOpts(spec, s, i); })),
      plugins: [markerPlugin(spec)]
    };
    var data = [spec.x].concat(spec.series.map(function (s) { return s.values; }));
    var u = new uPlot(opts, data, el);
    charts.push({ u: u, spec: spec, el: el });
    fig.setAttribute("data-drawn", "true");
  }
  function applyRevision() {
    charts.forEach(function (c) {
      // Only real changes: a redraw before uPlot's first commit loses an auto-ranged x scale.
      var changed = false;
      c.spec.series.forEach(function (s, i) {
        if (c.u.series[i + 1].show === visible(s.rev)) return;
        c.u.setSeries(i + 1, { show: visible(s.rev) });
        changed = true;
      });
      if (changed) c.u.redraw();
    });
    document.querySelectorAll("[data-rev]").forEach(function (e) {
      e.hidden = !visible(e.getAttribute("data-rev"));
    });
    document.body.setAttribute("data-revision", current);
  }
  document.querySelectorAll("figure.chart").forEach(draw);
  window.tphlabCharts = charts;
  var sw = document.getElementById("revision-switch");
  if (sw) sw.addEventListener("change", function () { current = sw.value; applyRevision(); });
  var resizeTimer = 0;
  window.addEventListener("resize", function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () {
      charts.forEach(function (c) { c.u.setSize({ width: Math.max(240, c.el.clientWidth), height: 260 }); });
    }, 100);
  });
  applyRevision();
})();
`.replace("__COLORS__", JSON.stringify(REVISION_COLORS));
