/* xjwc map page: the legend, rebuilt for the visible layers and the chosen case style. */
(function () {
  "use strict";

  function Legend(cfg) {
    this.cfg = cfg;
    this.control = L.control({ position: "bottomright" });
    const self = this;
    this.control.onAdd = function (map) {
      const el = XjwcRegisters.el;
      const outer = el("div", "xjwc-legend");
      if (map.getSize().x < 640) outer.classList.add("xjwc-folded");  // a narrow map: folded
      const head = el("div", "xjwc-legend-head", cfg.text["图例"]);
      head.title = cfg.text["图例"];
      // A legend over a small map hides cases: one click folds it away.
      head.addEventListener("click", function () { outer.classList.toggle("xjwc-folded"); });
      self.box = el("div", "xjwc-legend-body");
      outer.appendChild(head);
      outer.appendChild(self.box);
      L.DomEvent.disableClickPropagation(outer);
      L.DomEvent.disableScrollPropagation(outer);
      return outer;
    };
  }

  Legend.prototype.addTo = function (map) { this.control.addTo(map); return this; };

  /* ``places``: the meta of each drawn place layer (null while it has nothing to draw). */
  Legend.prototype.update = function (visible, caseStyle, caseMode, places) {
    const el = XjwcRegisters.el, cfg = this.cfg, text = cfg.text, box = this.box;
    if (!box) return;
    box.textContent = "";
    const section = function (title) {
      box.appendChild(el("div", "xjwc-legend-title", title));
    };
    const row = function (color, label, shape) {
      const line = el("div", "xjwc-legend-row");
      const mark = el("span", "xjwc-dot" + (shape ? " xjwc-" + shape : ""));
      if (shape === "ring" || shape === "dashed") mark.style.borderColor = color;
      else mark.style.background = color;
      line.appendChild(mark);
      line.appendChild(el("span", "", label));
      box.appendChild(line);
    };
    if (visible.cases) {
      const style = cfg.styles[caseStyle];
      section(text["案件"] + " · " + style.title);
      if (caseMode === "heatmap") {
        const bar = el("div", "xjwc-heat-bar");
        box.appendChild(bar);
        box.appendChild(el("div", "xjwc-legend-note", text["密度：低 → 高"]));
      } else {
        style.labels.forEach(function (label, i) { row(style.colors[i], label); });
        if (caseMode !== "points") box.appendChild(el("div", "xjwc-legend-note", text["聚合"]));
      }
    }
    const P = window.XjwcPlaces;
    if (visible.hotspots && places && places.hotspots) {
      section(text["热点"] + " · " + text["密度"]);
      const bar = el("div", "xjwc-heat-bar xjwc-density-bar");
      bar.style.background = "linear-gradient(to right, " + P.densityColor(0) + ", " +
                             P.densityColor(1) + ")";
      box.appendChild(bar);
      box.appendChild(el("div", "xjwc-legend-note", text["颜色越深密度越高，圆越大案件越多"]));
      row(cfg.palette.hotspots.grid, text["高发网格"], "dashed");
    }
    if (visible.bike_coverage && places && places.bike_coverage) {
      section(text["自行车覆盖"] + " · " + places.bike_coverage.radius_m + " " + text["米"] +
              "（" + text["直线距离"] + "）");
      const C = cfg.palette.bike_coverage;
      row(C.reach, text["站点步行范围"], "ring");
      row(C.covered, text["已覆盖小区"], "ring");
      row(C.gap, text["未覆盖小区"], "ring");
    }
    if (visible.illegal_structures) {
      section(text["违法建筑"] + " · " + text["大小表示面积"]);
      cfg.structureStatus.forEach(function (s) {
        row(cfg.palette.illegal_structures[s.code][1], s.label);
      });
    }
    if (visible.census) {
      section(text["无证建筑普查"] + " · " + text["大小表示面积"]);
      row(cfg.palette.census.residential[1], text["住宅"]);
      row(cfg.palette.census.non_residential[1], text["非住宅"]);
    }
    if (visible.bike_stations) {
      section(text["公益自行车站点"]);
      box.appendChild(el("div", "xjwc-legend-note", text["圈为桩数，实心为在桩车辆"]));
      row(XjwcRegisters.bikeColor(0.1), text["车辆不足 30%"]);
      row(XjwcRegisters.bikeColor(0.5), text["30%–70%"]);
      row(XjwcRegisters.bikeColor(0.9), text["70% 以上"]);
    }
    if (visible.patrol_zones) {
      section(cfg.layerTitles.patrol_zones);
      cfg.zones.forEach(function (z) { row(z.color, z.label); });
    }
  };

  window.XjwcLegend = Legend;
})();
