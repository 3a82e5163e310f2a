/* The county dashboard (一屏观): draws the charts from the page's embedded data, then fetches
   the data endpoint again every data-refresh seconds and redraws. No inline script (CSP): the
   first payload is a <script type="application/json">, everything else is built with the DOM.
   Tooltips use ECharts' richText mode (HTML tooltips would write style= attributes). */
(function () {
  "use strict";
  var root = document.querySelector("[data-dashboard]");
  if (!root || typeof echarts === "undefined") { return; }
  var charts = {};
  var mapName = null;
  var PALETTE = ["#3b82f6", "#10b981", "#f59e0b", "#ef4444", "#8b5cf6"];

  function chart(name) {
    var el = root.querySelector('[data-chart="' + name + '"]');
    if (!el) { return null; }
    if (!charts[name]) { charts[name] = echarts.init(el, null, { renderer: "canvas" }); }
    return charts[name];
  }

  function percent(v) { return v === null || v === undefined ? null : Math.round(v * 10000) / 100; }
  function shown(kind, v) { return kind === "ratio" ? percent(v) : v; }

  function el(tag, text, attrs) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = text; }
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    return node;
  }

  function headlines(data) {
    var list = root.querySelector('[data-dash="headlines"]');
    list.replaceChildren.apply(list, data.headlines.map(function (h) {
      var item = el("li", null, { "class": "dash-figure" });
      var box = h.url ? el("a", null, { href: h.url, "data-key": h.key }) : el("span", null, { "data-key": h.key });
      box.appendChild(el("span", h.name, { "class": "dash-figure-name" }));
      box.appendChild(el("span", h.text, { "class": "dash-figure-value", "data-testid": "headline-" + h.key }));
      item.appendChild(box);
      return item;
    }));
  }

  function lists(data) {
    ["due", "bad", "urgent"].forEach(function (name) {
      var list = root.querySelector('[data-dash="' + name + '"]');
      if (!list) { return; }
      var rows = data.lists[name] || [];
      if (!rows.length) {
        list.replaceChildren(el("li", list.getAttribute("data-empty"), { "class": "dash-empty" }));
        return;
      }
      list.replaceChildren.apply(list, rows.map(function (r) {
        var item = el("li");
        item.appendChild(el("a", r.number, { href: r.url }));
        [r.level || r.item, r.department].forEach(function (t) { item.append(" "); item.appendChild(el("span", t)); });
        item.append(" ");
        item.appendChild(el("time", r.day));
        return item;
      }));
    });
  }

  var base = {
    textStyle: { color: "#dbe7ff" },
    tooltip: { trigger: "axis", renderMode: "richText" },
    grid: { left: 8, right: 56, top: 36, bottom: 8, containLabel: true }
  };

  function trend(data) {
    var c = chart("trend");
    if (!c) { return; }
    var series = data.trends.map(function (t, i) {
      return {
        name: t.name, type: t.kind === "ratio" ? "line" : "bar", yAxisIndex: t.kind === "ratio" ? 1 : 0,
        smooth: true, itemStyle: { color: PALETTE[i % PALETTE.length] },
        data: t.values.map(function (v) { return shown(t.kind, v); })
      };
    });
    c.setOption(Object.assign({}, base, {
      legend: { top: 0, textStyle: { color: "#dbe7ff" } },
      xAxis: { type: "category", data: data.months },
      yAxis: [{ type: "value", name: "" }, { type: "value", name: "%", max: 100, min: 0 }],
      series: series
    }), true);
  }

  function bars(name, ranking, color) {
    var c = chart(name);
    if (!c || !ranking) { return; }
    var rows = ranking.rows.slice().reverse();  // highest at the top
    c.setOption(Object.assign({}, base, {
      tooltip: { trigger: "item", renderMode: "richText" },
      xAxis: { type: "value", max: ranking.rows.length && ranking.key.indexOf("rate") >= 0 ? 100 : null },
      yAxis: { type: "category", data: rows.map(function (r) { return r.label; }), axisLabel: { color: "#dbe7ff" } },
      series: [{
        name: ranking.name, type: "bar", itemStyle: { color: color }, cursor: "pointer",
        label: { show: true, position: "right", color: "#dbe7ff", formatter: function (p) { return rows[p.dataIndex].text; } },
        data: rows.map(function (r) { return { value: ranking.key.indexOf("rate") >= 0 ? percent(r.value) : r.value, url: r.url }; })
      }]
    }), true);
    c.off("click");
    c.on("click", function (p) { if (p.data && p.data.url) { window.location.assign(p.data.url); } });
  }

  function ranking(data, by, key) {
    return data.rankings.filter(function (r) { return r.by === by && (!key || r.key === key); })[0];
  }

  function townMap(data) {
    var c = chart("map");
    if (!c || !mapName) { return; }
    var rows = data.map.rows;
    var max = rows.reduce(function (m, r) { return Math.max(m, r.value || 0); }, 0);
    c.setOption({
      tooltip: { trigger: "item", renderMode: "richText" },
      visualMap: { min: 0, max: max || 1, calculable: true, left: 8, bottom: 8, textStyle: { color: "#dbe7ff" },
                   inRange: { color: ["#1e3a5f", "#3b82f6", "#fbbf24"] } },
      series: [{
        name: root.getAttribute("data-map-name"), type: "map", map: mapName, roam: false, cursor: "pointer",
        label: { show: true, color: "#fff" },
        data: rows.map(function (r) { return { name: r.label, value: r.value, url: r.url }; })
      }]
    }, true);
    c.off("click");
    c.on("click", function (p) { if (p.data && p.data.url) { window.location.assign(p.data.url); } });
  }

  function draw(data) {
    trend(data);
    var byCases = ranking(data, "department", "cases.total") || ranking(data, "department");
    bars("department", byCases, "#3b82f6");
    bars("rate", ranking(data, "department", "cases.on_time_rate"), "#10b981");
    bars("town", ranking(data, "town"), "#f59e0b");
    townMap(data);
  }

  function render(data) {
    headlines(data);
    lists(data);
    var at = root.ownerDocument.querySelector('[data-dash="computed-at"]');
    if (at) { at.textContent = data.updated; at.setAttribute('datetime', data.computed_at); }
    draw(data);
  }

  var first = document.getElementById("dashboard-data");
  var current = first ? JSON.parse(first.textContent) : null;
  if (current) { draw(current); }

  fetch(root.getAttribute("data-map-url"), { credentials: "same-origin" })
    .then(function (r) { return r.ok ? r.json() : null; })
    .then(function (shape) {
      if (!shape || !shape.geojson.features.length) { return; }
      mapName = "county-" + shape.county;
      echarts.registerMap(mapName, shape.geojson);
      if (current) { townMap(current); }
    });

  function refresh() {
    fetch(root.getAttribute("data-data-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) { current = data; render(data); } })
      .catch(function () { /* keep the last figures; the next round tries again */ });
  }
  var seconds = parseInt(root.getAttribute("data-refresh"), 10) || 60;
  window.setInterval(refresh, seconds * 1000);
  window.addEventListener("resize", function () {
    Object.keys(charts).forEach(function (k) { charts[k].resize(); });
  });
})();
