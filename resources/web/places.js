/* xjwc map page: the dashboard's places as layers — hotspots (热点) and bike coverage
 * (自行车覆盖). Python sends each as GeoJSON (core/reporting/places.py) whenever the
 * dashboard's period or category changes; the layer object stays, its content is replaced,
 * so the layer panel's on/off and opacity keep applying. Names reach the DOM only through
 * textContent (XjwcRegisters.el / lines).
 */
(function () {
  "use strict";

  const AREAS = "xjwcPlaces";       // under the cases: shading must not hide a case
  const MARKS = "xjwcRegisters";    // peaks and compound rings: over the cases
  const PEAK_FILL = 0.3;

  /* Colours come from the one palette (gui/map/web/palette.py, XJWC_CONFIG.palette). */
  function palette() { return window.XJWC_CONFIG.palette; }

  function rgbOf(hex) {
    const v = parseInt(hex.slice(1), 16);
    return [v >> 16, (v >> 8) & 255, v & 255];
  }

  /* The hotspots' density ramp (also the legend's), t from 0 (low) to 1 (high). */
  function densityColor(t) {
    const stops = palette().hotspots.ramp.map(rgbOf);
    const k = Math.max(0, Math.min(1, t)) * (stops.length - 1);
    const j = Math.min(stops.length - 2, Math.floor(k)), f = k - j;
    const c = stops[j].map(function (lo, i) {
      return Math.round(lo + (stops[j + 1][i] - lo) * f);
    });
    return "rgb(" + c.join(",") + ")";
  }

  function byLayer(geojson, name) {
    return ((geojson && geojson.features) || []).filter(function (f) {
      return f.properties && f.properties.layer === name;
    });
  }

  function label(text, cls, direction) {
    return L.tooltip({ permanent: true, direction: direction || "right",
                       className: "xjwc-place-label " + cls, interactive: false })
      .setContent(XjwcRegisters.el("span", "", text));
  }

  /* Hotspots: each cluster's cells shaded by its peak density, a circle at the peak as big
   * as the cluster's case count, its rank and name beside it; the densest unit grids
   * outlined, dashed. */
  function fillHotspots(group, geojson, cfg) {
    const R = XjwcRegisters, t = cfg.text;
    const peaks = byLayer(geojson, "peak");
    const maxDensity = Math.max.apply(null, [1e-9].concat(peaks.map(function (f) {
      return f.properties.peak_per_hectare; })));
    const maxCases = Math.max.apply(null, [1].concat(peaks.map(function (f) {
      return f.properties.cases; })));
    const tip = function (p) {
      return function () {
        return R.lines([t["热点"] + " " + p.rank + "：" + p.name,
                        p.cases + " " + t["件"] + " · " + t["峰值密度"] + " " +
                        p.peak_per_hectare + " " + t["件/公顷"],
                        t["单元网格"] + " " + (p.grid_code || "")]);
      };
    };
    byLayer(geojson, "grid").forEach(function (f) {
      const p = f.properties;
      const area = L.geoJSON(f, { pane: AREAS, style: { color: palette().hotspots.grid,
                                                        weight: 1.5,
                                                        dashArray: "4 3", fill: false } });
      area.eachLayer(function (l) {
        l.options.role = "grid";
        l.bindTooltip(function () {
          return R.lines([t["高发网格"] + " " + p.code, p.cases + " " + t["件"] + " · " +
                          p.per_hectare + " " + t["件/公顷"]]);
        }, { sticky: true });
        group.addLayer(l);
      });
    });
    byLayer(geojson, "cluster").forEach(function (f) {
      const p = f.properties, color = densityColor(p.peak_per_hectare / maxDensity);
      L.geoJSON(f, { pane: AREAS, style: { color: color, weight: 1, fillColor: color,
                                           fillOpacity: 0.35 } })
        .eachLayer(function (l) {
          l.options.role = "cluster";
          l.bindTooltip(tip(p), { sticky: true });
          group.addLayer(l);
        });
    });
    peaks.forEach(function (f) {
      const p = f.properties, c = f.geometry.coordinates;
      const color = densityColor(p.peak_per_hectare / maxDensity);
      // Translucent, so the case clusters under it stay readable.
      const circle = L.circleMarker([c[1], c[0]], {
        pane: MARKS, radius: 6 + 14 * Math.sqrt(p.cases / maxCases), color: color,
        weight: 3, fillColor: color, fillOpacity: PEAK_FILL });
      circle.options.role = "peak";
      circle.feature = f;
      circle.bindTooltip(tip(p), { sticky: true });
      group.addLayer(circle);
      const named = label(p.rank + " " + p.name, "xjwc-hotspot-label").setLatLng([c[1], c[0]]);
      group.labels.push(named);
      group.addLayer(named);
    });
  }

  function overlaps(r, s) {
    return r.left < s.right && r.right > s.left && r.top < s.bottom && r.bottom > s.top;
  }

  /* Labels in rank order, each placed beside its spot where it covers neither a road name
   * nor a denser spot's label: right, above, below, left, then the corners. One with no
   * free place is hidden (its circle stays, and hovering it names it). */
  function declutter(group) {
    const roads = Array.from(document.querySelectorAll(".leaflet-tooltip.xjwc-road"))
      .filter(function (n) { return n.style.visibility !== "hidden"; })
      .map(function (n) { return n.getBoundingClientRect(); });
    const shown = [];
    group.labels.forEach(function (tip) {
      const node = tip.getElement();
      if (!node) return;
      node.style.translate = "";
      node.style.visibility = "";
      const home = node.getBoundingClientRect();
      const w = home.width, h = home.height, gap = 4, across = w + 2 * 14;
      const places = [[0, 0], [0, -(h + gap)], [0, h + gap], [-across, 0],
                      [0, -2 * (h + gap)], [0, 2 * (h + gap)], [-across, -(h + gap)],
                      [-across, h + gap]];
      const free = places.find(function (d) {
        const r = { left: home.left + d[0], right: home.right + d[0],
                    top: home.top + d[1], bottom: home.bottom + d[1] };
        return !roads.some(function (s) { return overlaps(r, s); })
          && !shown.some(function (s) { return overlaps(r, s); });
      });
      if (!free) { node.style.visibility = "hidden"; return; }
      if (free[0] || free[1]) node.style.translate = free[0] + "px " + free[1] + "px";
      shown.push(node.getBoundingClientRect());
    });
  }

  /* Bike coverage: each station's reach as a circle, compounds within reach ringed green,
   * the gaps ringed red and marked 未覆盖. */
  function fillCoverage(group, geojson, cfg) {
    const R = XjwcRegisters, t = cfg.text;
    byLayer(geojson, "reach").forEach(function (f) {
      const p = f.properties;
      const reach = palette().bike_coverage.reach;
      L.geoJSON(f, { pane: AREAS, style: { color: reach, weight: 1.5, dashArray: "6 4",
                                           fillColor: reach, fillOpacity: 0.07 } })
        .eachLayer(function (l) {
          l.options.role = "reach";
          l.bindTooltip(function () {
            return R.lines([p.name, t["步行范围"] + " " + p.radius_m + " " + t["米"] +
                            "（" + t["直线距离"] + "）"]);
          }, { sticky: true });
          group.addLayer(l);
        });
    });
    byLayer(geojson, "compound").forEach(function (f) {
      const p = f.properties, c = f.geometry.coordinates, at = [c[1], c[0]];
      const C = palette().bike_coverage;
      const ring = L.circleMarker(at, { pane: MARKS, radius: 8, color: p.covered ? C.covered : C.gap,
                                        weight: p.covered ? 2.5 : 3.5, fill: false });
      ring.options.role = p.covered ? "covered" : "gap";
      ring.feature = f;
      ring.bindTooltip(function () {
        return R.lines([p.name, p.covered ? t["已覆盖"] : t["未覆盖"],
                        t["最近站点"] + " " + (p.nearest_station || "—") + " " +
                        Math.round(p.distance_m || 0) + " " + t["米"]]);
      }, { sticky: true });
      group.addLayer(ring);
      if (!p.covered) group.addLayer(label(t["未覆盖"], "xjwc-gap-label", "left").setLatLng(at));
    });
  }

  /* An empty layer now (so the panel's state applies), filled when the data comes. */
  function layer(fill) {
    const group = XjwcRegisters.fadeable(L.layerGroup());
    const setOpacity = group.setOpacity;
    group.opacity = 1;
    group.setOpacity = function (o) {  // vectors by fadeable, the labels here
      group.opacity = o;
      setOpacity(o);
      group.eachLayer(function (l) { if (l instanceof L.Tooltip) l.setOpacity(o); });
    };
    group.labels = [];
    group.show = function (geojson, cfg) {
      // Leaflet fades a removed tooltip out over 200 ms: a quick second update would show
      // the old names beside the new ones meanwhile. Take the old labels away at once.
      group.eachLayer(function (l) {
        if (l instanceof L.Tooltip && l.getElement()) L.DomUtil.remove(l.getElement());
      });
      group.clearLayers();
      group.labels = [];
      group.meta = (geojson && geojson.properties) || {};
      fill(group, geojson, cfg);
      group.setOpacity(group.opacity);
      tidy();
      return group.getLayers().length;
    };
    const tidy = function () { if (group._map) declutter(group); };
    group.tidy = tidy;
    const onAdd = group.onAdd, onRemove = group.onRemove;
    group.onAdd = function (map) { onAdd.call(group, map); map.on("zoomend", tidy); tidy(); };
    group.onRemove = function (map) { map.off("zoomend", tidy); onRemove.call(group, map); };
    return group;
  }

  /* What is drawn, as a user would describe it (for tests): role, name, colours. */
  function describe(group) {
    const out = [];
    group.eachLayer(function (l) {
      if (l instanceof L.Tooltip) {
        out.push({ role: "label", text: l.getElement() ? l.getElement().textContent
                                                       : String(l.getContent().textContent) });
        return;
      }
      const p = (l.feature && l.feature.properties) || {};
      out.push({ role: l.options.role, name: p.name || p.code || null, rank: p.rank || null,
                 color: l.options.color, fillColor: l.options.fillColor || null,
                 opacity: l.options.opacity, fillOpacity: l.options.fillOpacity,
                 radius: l.options.radius === undefined ? null : l.options.radius });
    });
    return out;
  }

  window.XjwcPlaces = {
    hotspots: function () { return layer(fillHotspots); },
    coverage: function () { return layer(fillCoverage); },
    describe: describe,
    densityColor: densityColor,
    tidy: function (group) { if (group && group.tidy) group.tidy(); }
  };
})();
