/* xjwc map page: the registers (illegal structures, census, bike stations, compounds) and
 * the labels of the basemap. Every layer here gets a setOpacity() adapter so the layer
 * panel can fade it; text reaches the DOM only through textContent (el()).
 */
(function () {
  "use strict";

  const PANE = "xjwcRegisters";  // above the cases' canvas: a few hundred markers on a million
  const FONT = "'Noto Sans CJK SC', 'Source Han Sans SC', 'Microsoft YaHei', sans-serif";

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function lines(parts) {
    const box = el("div", "xjwc-tip");
    parts.forEach(function (p, i) {
      if (p !== "") box.appendChild(el("div", i === 0 ? "xjwc-tip-title" : "", p));
    });
    return box;
  }

  /* Remember each vector's own style so opacity scales it instead of replacing it. */
  function fadeable(group) {
    group.setOpacity = function (o) {
      group.eachLayer(function visit(layer) {
        if (layer.eachLayer) { layer.eachLayer(visit); return; }
        const base = layer._xjwcBase || (layer._xjwcBase = {
          opacity: layer.options.opacity === undefined ? 1 : layer.options.opacity,
          fillOpacity: layer.options.fillOpacity === undefined ? 0.2 : layer.options.fillOpacity
        });
        if (layer.setStyle) {
          layer.setStyle({ opacity: base.opacity * o, fillOpacity: base.fillOpacity * o });
        }
        const tip = layer.getTooltip && layer.getTooltip();
        if (tip && tip.options.permanent) tip.setOpacity(o);
      });
    };
    return group;
  }

  function pointLayer(geojson, style, tip) {
    return fadeable(L.geoJSON(geojson, {
      pointToLayer: function (f, latlng) {
        return L.circleMarker(latlng, Object.assign({ pane: PANE }, style(f.properties)));
      },
      onEachFeature: function (f, layer) {
        layer.bindTooltip(function () { return lines(tip(f.properties)); }, { sticky: true });
      }
    }));
  }

  /* Colours come from the one palette (gui/map/web/palette.py, XJWC_CONFIG.palette). */
  function palette() { return window.XJWC_CONFIG.palette; }

  /* Radius in pixels for an area in m², so the disc's area tracks the building's. */
  function areaRadius(area, k, min, max) {
    return Math.max(min, Math.min(max, k * Math.sqrt(Math.max(area, 0))));
  }

  function structures(data, cfg) {
    return pointLayer(data, function (p) {
      const S = palette().illegal_structures, c = S[p.status] || S.standing;
      return { radius: areaRadius(p.area_m2, 0.45, 3, 22), color: c[0], fillColor: c[1],
               fillOpacity: p.status === "demolished" ? 0.35 : 0.65, weight: 1.5,
               dashArray: p.status === "demolished" ? "3 3" : null };
    }, function (p) {
      return [cfg.text["违法建筑"] + " " + p.code,
              p.status_label + " · " + p.area_m2 + " " + cfg.text["㎡"],
              p.demolished_on ? p.demolished_on : p.found_on, p.handled_by || ""];
    });
  }

  function census(data, cfg) {
    return pointLayer(data, function (p) {
      const c = palette().census[p.residential ? "residential" : "non_residential"];
      return { radius: areaRadius(p.area_m2, 0.12, 2, 16), color: c[0], fillColor: c[1],
               fillOpacity: 0.55, weight: 1 };
    }, function (p) {
      return [cfg.text["无证建筑普查"] + " " + p.code,
              (p.residential ? cfg.text["住宅"] : cfg.text["非住宅"]) + " · " + (p.use || ""),
              p.area_m2 + " " + cfg.text["㎡"]];
    });
  }

  /* Teals of their own (pale: few bikes), so a station never reads as a case's status. */
  function bikeColor(ratio) {
    const B = palette().bike_stations;
    return ratio < 0.3 ? B.low : ratio < 0.7 ? B.mid : B.high;
  }

  /* A bike station: a ring as big as its docks, filled as far as it has bikes. */
  function bikes(data, cfg) {
    const group = L.featureGroup();
    data.features.forEach(function (f) {
      const p = f.properties, c = f.geometry.coordinates, at = [c[1], c[0]];
      const ratio = p.capacity ? Math.min(1, p.bikes / p.capacity) : 0;
      const outer = 4 + 1.6 * Math.sqrt(p.capacity || 0);
      const B = palette().bike_stations;
      const ring = L.circleMarker(at, { pane: PANE, radius: outer, color: B.ring, weight: 2,
                                        fillColor: B.ring_fill, fillOpacity: 0.85 });
      const fill = L.circleMarker(at, { pane: PANE, radius: Math.max(2, outer * Math.sqrt(ratio)),
                                        stroke: false, color: bikeColor(ratio),
                                        fillColor: bikeColor(ratio),
                                        fillOpacity: 0.95 });
      const tip = function () {
        return lines([p.name, p.bikes + " " + cfg.text["辆"] + " / " + p.capacity + " " +
                      cfg.text["桩"], p.approximate ? cfg.text["位置为示意"] : ""]);
      };
      ring.feature = fill.feature = f;
      ring.options.role = "docks";
      fill.options.role = "bikes";
      ring.bindTooltip(tip, { sticky: true });
      fill.bindTooltip(tip, { sticky: true });
      group.addLayer(ring);
      group.addLayer(fill);
    });
    return fadeable(group);
  }

  function compounds(data) {
    const group = L.layerGroup();
    data.features.forEach(function (f) {
      const c = f.geometry.coordinates;
      const C = palette().compounds;
      const marker = L.circleMarker([c[1], c[0]], { pane: PANE, radius: 4, color: C.outline,
                                                    weight: 1, fillColor: C.fill,
                                                    fillOpacity: 1 });
      marker.bindTooltip(el("span", "xjwc-label", f.properties.name),
                         { permanent: true, direction: "right", className: "xjwc-compound" });
      group.addLayer(marker);
    });
    return fadeable(group);
  }

  function roadLabels(roads) {
    const longest = {};
    roads.eachLayer(function (layer) {
      const name = layer.feature.properties.name;
      const pts = layer.getLatLngs();
      let len = 0;
      for (let i = 1; i < pts.length; i++) len += pts[i - 1].distanceTo(pts[i]);
      if (!longest[name] || longest[name].len < len) longest[name] = { len: len, pts: pts };
    });
    const group = L.layerGroup();
    Object.keys(longest).forEach(function (name) {
      const pts = longest[name].pts;
      group.addLayer(L.tooltip({ permanent: true, direction: "center", className: "xjwc-road" })
        .setLatLng(pts[Math.floor(pts.length / 2)]).setContent(el("span", "", name)));
    });
    group.setOpacity = function (o) { group.eachLayer(function (t) { t.setOpacity(o); }); };
    return group;
  }

  /* Unit grid codes, from zoom 17 where a grid is big enough to hold its label. Drawn on a
   * canvas, only those in view: 953 DOM labels made every zoom step cost 100 ms. */
  const GridCodes = L.Layer.extend({
    initialize: function (grids) {
      this.items = [];
      grids.eachLayer(function (l) {
        this.items.push({ at: l.getBounds().getCenter(), code: l.feature.properties.code });
      }, this);
      this.opacity = 1;
      this.drawn = 0;
    },
    onAdd: function (m) {
      this.canvas = L.DomUtil.create("canvas", "xjwc-grid-codes leaflet-zoom-hide");
      this.canvas.style.opacity = String(this.opacity);
      (m.getPane("xjwcLabels") || m.getPanes().overlayPane).appendChild(this.canvas);
      m.on("moveend zoomend resize viewreset", this.redraw, this);
      this.redraw();
    },
    onRemove: function (m) {
      L.DomUtil.remove(this.canvas);
      m.off("moveend zoomend resize viewreset", this.redraw, this);
      this.drawn = 0;
    },
    setOpacity: function (o) {
      this.opacity = o;
      if (this.canvas) this.canvas.style.opacity = String(o);
    },
    redraw: function () {
      const m = this._map;
      if (!m) return;
      const size = m.getSize();
      L.DomUtil.setPosition(this.canvas, m.containerPointToLayerPoint([0, 0]));
      this.canvas.width = size.x;
      this.canvas.height = size.y;
      this.drawn = 0;
      if (m.getZoom() < 17) return;
      const ctx = this.canvas.getContext("2d");
      ctx.font = (m.getZoom() >= 18 ? "11px " : "10px ") + FONT;
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      ctx.lineWidth = 3;
      ctx.strokeStyle = "rgba(255,255,255,0.85)";
      ctx.fillStyle = "#555";
      for (let i = 0; i < this.items.length; i++) {
        const p = m.latLngToContainerPoint(this.items[i].at);
        if (p.x < -60 || p.y < -10 || p.x > size.x + 60 || p.y > size.y + 10) continue;
        ctx.strokeText(this.items[i].code, p.x, p.y);
        ctx.fillText(this.items[i].code, p.x, p.y);
        this.drawn++;
      }
    }
  });

  function gridLabels(map, grids, isOn) {
    const layer = new GridCodes(grids);
    const show = function () {
      if (isOn() && !map.hasLayer(layer)) layer.addTo(map);
      else if (!isOn() && map.hasLayer(layer)) map.removeLayer(layer);
    };
    return { group: layer, update: show };
  }

  /* folium's GeoJSON layers carry a style function: scale its opacities. */
  function fadeBasemap(layer) {
    const styleOf = layer.options.style;
    layer.setOpacity = function (o) {
      layer.setStyle(function (f) {
        const s = typeof styleOf === "function" ? styleOf(f) : (styleOf || {});
        return Object.assign({}, s, {
          opacity: (s.opacity === undefined ? 1 : s.opacity) * o,
          fillOpacity: (s.fillOpacity === undefined ? 0.2 : s.fillOpacity) * o
        });
      });
    };
    return layer;
  }

  window.XjwcRegisters = { el: el, lines: lines, structures: structures, census: census,
                           bikes: bikes, bikeColor: bikeColor, compounds: compounds,
                           roadLabels: roadLabels, gridLabels: gridLabels,
                           fadeBasemap: fadeBasemap, fadeable: fadeable };
})();
