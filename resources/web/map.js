/* xjwc map page: data layers over the folium-built basemap.
 *
 * Untrusted text (case descriptions, addresses, names) only ever reaches the DOM through
 * textContent; Leaflet tooltips get DOM elements, never HTML strings.
 */
(function () {
  "use strict";

  let cfg, map, bridge = null;
  const overlays = {};

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function lines(parts) {
    const box = el("div", "xjwc-tip");
    parts.forEach(function (p, i) { box.appendChild(el("div", i === 0 ? "xjwc-tip-title" : "", p)); });
    return box;
  }

  /* ---- cases: one canvas, a million points, drawn from typed arrays ---- */
  const CaseLayer = L.Layer.extend({
    initialize: function () { this.n = 0; this.selected = new Set(); },
    setData: function (buffer) {
      const n = new DataView(buffer).getUint32(0, true);
      let off = 4;
      const lon = new Float32Array(buffer, off, n); off += 4 * n;
      const lat = new Float32Array(buffer, off, n); off += 4 * n;
      this.rowid = new Int32Array(buffer, off, n); off += 4 * n;
      this.status = new Uint8Array(buffer, off, n);
      this.mx = new Float64Array(n);
      this.my = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const phi = lat[i] * Math.PI / 180;
        this.mx[i] = (lon[i] + 180) / 360;
        this.my[i] = (1 - Math.log(Math.tan(phi) + 1 / Math.cos(phi)) / Math.PI) / 2;
      }
      // Open cases are drawn last so finished ones never hide them.
      const rank = cfg.statusOrder.map(function (s) {
        return s === "closed" ? 0 : s === "voided" ? 0 : s === "suspended" ? 1 : 2;
      });
      const order = new Uint32Array(n);
      for (let i = 0; i < n; i++) order[i] = i;
      order.sort(function (a, b) { return rank[this.status[a]] - rank[this.status[b]]; }.bind(this));
      this.order = order;
      this.n = n;
      this.byRowid = null;
      if (this._map) this.redraw();
    },
    onAdd: function (m) {
      this.canvas = L.DomUtil.create("canvas", "xjwc-cases leaflet-zoom-hide");
      m.getPanes().overlayPane.appendChild(this.canvas);
      m.on("moveend zoomend resize viewreset", this.redraw, this);
      this.redraw();
    },
    onRemove: function (m) {
      L.DomUtil.remove(this.canvas);
      m.off("moveend zoomend resize viewreset", this.redraw, this);
    },
    radius: function () {
      const z = this._map.getZoom();
      return z <= 14 ? 1 : z <= 16 ? 2 : z <= 17 ? 3 : 4;
    },
    topLeft: function () {
      const origin = this._map.getPixelOrigin();
      const tl = this._map.containerPointToLayerPoint([0, 0]);
      return [origin.x + tl.x, origin.y + tl.y, tl];
    },
    redraw: function () {
      const m = this._map;
      if (!m) return;
      const t0 = performance.now();
      const size = m.getSize(), w = size.x, h = size.y;
      const tl = this.topLeft();
      L.DomUtil.setPosition(this.canvas, tl[2]);
      this.canvas.width = w; this.canvas.height = h;
      const ctx = this.canvas.getContext("2d");
      const img = ctx.createImageData(w, h);
      const px = new Uint32Array(img.data.buffer);
      const scale = 256 * Math.pow(2, m.getZoom());
      const r = this.radius();
      const colors = cfg.statusOrder.map(function (s) { return abgr(cfg.statusColors[s]); });
      // Finished cases (closed, voided) are drawn a size smaller: the open ones matter.
      const small = cfg.statusOrder.map(function (s) { return s === "closed" || s === "voided"; });
      const visible = this.visibleStatus;
      for (let k = 0; k < this.n; k++) {
        const i = this.order[k];
        const st = this.status[i];
        if (visible && !visible[st]) continue;
        const x = (this.mx[i] * scale - tl[0]) | 0, y = (this.my[i] * scale - tl[1]) | 0;
        if (x < -r || y < -r || x >= w + r || y >= h + r) continue;
        const c = colors[st];
        const rr = small[st] ? r - 1 : r;
        for (let dy = -rr; dy <= rr; dy++) {
          const yy = y + dy;
          if (yy < 0 || yy >= h) continue;
          const row = yy * w;
          for (let dx = -rr; dx <= rr; dx++) {
            const xx = x + dx;
            if (xx >= 0 && xx < w && dx * dx + dy * dy <= rr * rr + 1) px[row + xx] = c;
          }
        }
      }
      ctx.putImageData(img, 0, 0);
      this.drawSelection(ctx, scale, tl);
      this.lastDrawMs = performance.now() - t0;
    },
    drawSelection: function (ctx, scale, tl) {
      if (!this.selected.size) return;
      const index = this.index();
      ctx.lineWidth = 2.5;
      ctx.strokeStyle = "#00e5ff";
      this.selected.forEach(function (rowid) {
        const i = index.get(rowid);
        if (i === undefined) return;
        const x = this.mx[i] * scale - tl[0], y = this.my[i] * scale - tl[1];
        ctx.beginPath(); ctx.arc(x, y, 8, 0, 2 * Math.PI); ctx.stroke();
      }, this);
    },
    index: function () {
      if (!this.byRowid) {
        this.byRowid = new Map();
        for (let i = 0; i < this.n; i++) this.byRowid.set(this.rowid[i], i);
      }
      return this.byRowid;
    },
    nearest: function (containerPoint, maxPx) {
      const scale = 256 * Math.pow(2, this._map.getZoom());
      const tl = this.topLeft();
      let best = -1, bestD = maxPx * maxPx;
      const visible = this.visibleStatus;
      for (let i = 0; i < this.n; i++) {
        if (visible && !visible[this.status[i]]) continue;
        const dx = this.mx[i] * scale - tl[0] - containerPoint.x;
        const dy = this.my[i] * scale - tl[1] - containerPoint.y;
        const d = dx * dx + dy * dy;
        if (d <= bestD) { bestD = d; best = i; }
      }
      return best < 0 ? null : this.rowid[best];
    },
    boundsOf: function (rowids) {
      const index = this.index();
      let b = null;
      rowids.forEach(function (rowid) {
        const i = index.get(rowid);
        if (i === undefined) return;
        const lon = this.mx[i] * 360 - 180;
        const lat = Math.atan(Math.sinh(Math.PI * (1 - 2 * this.my[i]))) * 180 / Math.PI;
        b = b ? b.extend([lat, lon]) : L.latLngBounds([lat, lon], [lat, lon]);
      }, this);
      return b;
    }
  });

  function abgr(hex) {
    const v = parseInt(hex.slice(1), 16);
    return ((255 << 24) | ((v & 0xff) << 16) | (v & 0xff00) | (v >> 16)) >>> 0;
  }

  /* ---- the smaller registers: GeoJSON points ---- */
  function pointLayer(geojson, style, tip) {
    return L.geoJSON(geojson, {
      pointToLayer: function (f, latlng) { return L.circleMarker(latlng, style(f.properties)); },
      onEachFeature: function (f, layer) {
        layer.bindTooltip(function () { return lines(tip(f.properties)); }, { sticky: true });
      }
    });
  }

  function structuresLayer(data) {
    return pointLayer(data, function (p) {
      const done = p.status === "demolished";
      return { radius: 3 + Math.sqrt(p.area_m2) / 2.5, color: done ? "#7f8c8d" : "#c0392b",
               fillColor: done ? "#bdc3c7" : "#e74c3c", fillOpacity: 0.6, weight: 1.5 };
    }, function (p) {
      return [cfg.text["违法建筑"] + " " + p.code, p.status_label + " · " + p.area_m2 + " " + cfg.text["㎡"],
              p.demolished_on ? p.demolished_on : p.found_on, p.handled_by || ""];
    });
  }

  function censusLayer(data) {
    return pointLayer(data, function (p) {
      return { radius: p.residential ? 3 : 7, color: p.residential ? "#8e44ad" : "#2c3e50",
               fillOpacity: 0.5, weight: 1 };
    }, function (p) {
      return [cfg.text["无证建筑普查"] + " " + p.code,
              (p.residential ? cfg.text["住宅"] : cfg.text["非住宅"]) + " · " + (p.use || ""),
              p.area_m2 + " " + cfg.text["㎡"]];
    });
  }

  function bikesLayer(data) {
    return pointLayer(data, function (p) {
      const ratio = p.capacity ? p.bikes / p.capacity : 0;
      const color = ratio < 0.3 ? "#e74c3c" : ratio < 0.7 ? "#f39c12" : "#2ecc71";
      return { radius: 5 + p.capacity / 6, color: "#1e6f3c", fillColor: color, fillOpacity: 0.85,
               weight: 2 };
    }, function (p) {
      return [p.name, p.bikes + " " + cfg.text["辆"] + " / " + p.capacity + " " + cfg.text["桩"],
              p.approximate ? cfg.text["位置为示意"] : ""];
    });
  }

  function compoundsLayer(data) {
    const group = L.layerGroup();
    data.features.forEach(function (f) {
      const c = f.geometry.coordinates;
      const marker = L.circleMarker([c[1], c[0]], { radius: 4, color: "#34495e", weight: 1,
                                                    fillColor: "#ecf0f1", fillOpacity: 1 });
      marker.bindTooltip(el("span", "xjwc-label", f.properties.name),
                         { permanent: true, direction: "right", className: "xjwc-compound" });
      group.addLayer(marker);
    });
    return group;
  }

  /* ---- labels on the basemap ---- */
  function roadLabels() {
    const roads = window[cfg.basemap.roads];
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
      const mid = pts[Math.floor(pts.length / 2)];
      group.addLayer(L.tooltip({ permanent: true, direction: "center", className: "xjwc-road" })
        .setLatLng(mid).setContent(el("span", "", name)));
    });
    return group;
  }

  function gridLabels() {
    const grids = window[cfg.basemap.unit_grids];
    const group = L.layerGroup();
    grids.eachLayer(function (layer) {
      group.addLayer(L.tooltip({ permanent: true, direction: "center", className: "xjwc-grid" })
        .setLatLng(layer.getBounds().getCenter())
        .setContent(el("span", "", layer.feature.properties.code)));
    });
    const show = function () {
      if (map.getZoom() >= 17) { if (!map.hasLayer(group)) group.addTo(map); }
      else if (map.hasLayer(group)) map.removeLayer(group);
    };
    map.on("zoomend", show);
    show();
    return group;
  }

  function legend() {
    const ctl = L.control({ position: "bottomright" });
    ctl.onAdd = function () {
      const box = el("div", "xjwc-legend");
      box.appendChild(el("div", "xjwc-legend-title", cfg.text["案件状态"]));
      cfg.statusOrder.forEach(function (s) {
        const row = el("div", "xjwc-legend-row");
        const dot = el("span", "xjwc-dot");
        dot.style.background = cfg.statusColors[s];
        row.appendChild(dot);
        row.appendChild(el("span", "", cfg.statusLabels[s]));
        box.appendChild(row);
      });
      return box;
    };
    return ctl;
  }

  function fetchBuffer(path) {
    return fetch("xjwc://app/data/" + path).then(function (r) {
      if (!r.ok) throw new Error(path + ": " + r.status);
      return r.arrayBuffer();
    });
  }
  function fetchJson(path) {
    return fetch("xjwc://app/data/" + path).then(function (r) {
      if (!r.ok) throw new Error(path + ": " + r.status);
      return r.json();
    });
  }

  const cases = new CaseLayer();

  function loadData() {
    const t0 = performance.now();
    return Promise.all([fetchBuffer("cases.bin"), fetchJson("illegal_structures.geojson"),
                        fetchJson("census.geojson"), fetchJson("bike_stations.geojson"),
                        fetchJson("compounds.geojson")])
      .then(function (got) {
        cases.setData(got[0]);
        overlays.cases = cases;
        overlays.illegal_structures = structuresLayer(got[1]);
        overlays.census = censusLayer(got[2]);
        overlays.bike_stations = bikesLayer(got[3]);
        overlays.compounds = compoundsLayer(got[4]);
        return performance.now() - t0;
      });
  }

  const LAYER_TITLES = { cases: "案件", illegal_structures: "违法建筑", census: "无证建筑普查",
                         bike_stations: "公益自行车站点", compounds: "小区" };

  function install(initialVisible) {
    const control = {};
    Object.keys(cfg.basemap).forEach(function (k) { overlays[k] = window[cfg.basemap[k]]; });
    overlays.road_labels = roadLabels();
    Object.keys(overlays).forEach(function (k) {
      const title = LAYER_TITLES[k] ? cfg.text[LAYER_TITLES[k]] : cfg.basemapNames[k];
      if (title) control[title] = overlays[k];
    });
    Object.keys(overlays).forEach(function (k) {
      const on = initialVisible.hasOwnProperty(k) ? initialVisible[k] : k !== "census";
      if (on && !map.hasLayer(overlays[k])) overlays[k].addTo(map);
      if (!on && map.hasLayer(overlays[k])) map.removeLayer(overlays[k]);
    });
    L.control.layers(null, control, { collapsed: false, position: "topright" }).addTo(map);
    legend().addTo(map);
    gridLabels();
    map.on("overlayadd overlayremove", function () {
      if (bridge) bridge.layersChanged(JSON.stringify(api.layerState()));
    });
    map.on("click", function (e) {
      if (!map.hasLayer(cases)) return;
      const rowid = cases.nearest(e.containerPoint, 8);
      if (rowid !== null && bridge) bridge.caseClicked(rowid);
    });
  }

  const api = {
    layerState: function () {
      const state = {};
      Object.keys(overlays).forEach(function (k) { state[k] = map.hasLayer(overlays[k]); });
      return state;
    },
    setLayerVisible: function (key, on) {
      const layer = overlays[key];
      if (!layer) return false;
      if (on && !map.hasLayer(layer)) layer.addTo(map);
      if (!on && map.hasLayer(layer)) map.removeLayer(layer);
      return true;
    },
    reloadCases: function () {
      return fetchBuffer("cases.bin").then(function (b) {
        cases.setData(b);
        if (bridge) bridge.casesReloaded(cases.n);
        return cases.n;
      });
    },
    select: function (rowids) {
      cases.selected = new Set(rowids);
      cases.redraw();
      return cases.selected.size;
    },
    zoomToSelection: function () {
      const b = cases.boundsOf(cases.selected);
      if (b) map.fitBounds(b.pad(0.2), { maxZoom: 18 });
      return !!b;
    },
    selectedRowids: function () { return Array.from(cases.selected); },
    containerPointOf: function (rowid) {
      const i = cases.index().get(rowid);
      if (i === undefined) return null;
      const scale = 256 * Math.pow(2, map.getZoom());
      const tl = cases.topLeft();
      return [cases.mx[i] * scale - tl[0], cases.my[i] * scale - tl[1]];
    },
    caseCount: function () { return cases.n; },
    lastDrawMs: function () { return cases.lastDrawMs; }
  };
  window.xjwc = api;

  function init() {
    cfg = window.XJWC_CONFIG;
    map = window[cfg.map];
    map.attributionControl.setPrefix(false);
    map.attributionControl.addAttribution(cfg.attribution);
    new QWebChannel(qt.webChannelTransport, function (channel) {
      bridge = channel.objects.bridge;
      bridge.initialState(function (state) {
        const initial = JSON.parse(state || "{}");
        loadData().then(function (ms) {
          install(initial.layers || {});
          if (initial.view) map.setView([initial.view.lat, initial.view.lon], initial.view.zoom);
          else map.fitBounds(window[cfg.basemap.boundary].getBounds(), { padding: [10, 10] });
          map.on("moveend", function () {
            const c = map.getCenter();
            bridge.viewChanged(c.lng, c.lat, map.getZoom());
          });
          // Two frames: the canvas and the vector layers have been painted.
          requestAnimationFrame(function () {
            requestAnimationFrame(function () { bridge.mapReady(cases.n, ms); });
          });
        }).catch(function (err) { bridge.pageError(String(err)); });
      });
    });
  }

  window.addEventListener("load", init);
})();
