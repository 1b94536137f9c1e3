/* xjwc map page: data layers over the folium-built basemap, and the API Python calls.
 *
 * Python owns the state (which layers, which style, which filter); the page draws it and
 * reports what the user did on the map (clicks, boxes, moves) through the web channel.
 * Untrusted text (case descriptions, addresses, names) never reaches this page as HTML:
 * the registers' names go through textContent only (registers.js).
 */
(function () {
  "use strict";

  let cfg, map, bridge = null, legend = null, gridLabels = null;
  const layers = {};
  const opacity = {};
  let cases = null, boxMode = false, suppressClickUntil = 0;

  function fetchData(path) {
    return fetch("xjwc://app/data/" + path).then(function (r) {
      if (!r.ok) throw new Error(path + ": " + r.status);
      return r;
    });
  }

  function report(err) {
    if (bridge) bridge.pageError(String((err && err.stack) || err));
  }

  function afterPaint(fn) {
    requestAnimationFrame(function () { requestAnimationFrame(fn); });
  }

  function tileGroup() {
    const group = L.layerGroup();
    cfg.tiles.forEach(function (t) {
      group.addLayer(L.tileLayer(t.url, {
        subdomains: t.subdomains || "abc", maxNativeZoom: t.maxNativeZoom,
        minNativeZoom: t.minNativeZoom || 0, maxZoom: 19, attribution: t.attribution || "",
        crossOrigin: false
      }));
    });
    group.setOpacity = function (o) { group.eachLayer(function (t) { t.setOpacity(o); }); };
    return group;
  }

  function loadData() {
    const t0 = performance.now();
    const json = function (p) { return fetchData(p).then(function (r) { return r.json(); }); };
    return Promise.all([
      fetchData("cases.bin").then(function (r) { return r.arrayBuffer(); }),
      json("illegal_structures.geojson"), json("census.geojson"),
      json("bike_stations.geojson"), json("compounds.geojson")
    ]).then(function (got) {
      const R = XjwcRegisters;
      cases.setData(got[0]);
      layers.cases = cases;
      layers.illegal_structures = R.structures(got[1], cfg);
      layers.census = R.census(got[2], cfg);
      layers.bike_stations = R.bikes(got[3], cfg);
      layers.compounds = R.compounds(got[4]);
      return performance.now() - t0;
    });
  }

  function visibleState() {
    const state = {};
    Object.keys(layers).forEach(function (k) { state[k] = map.hasLayer(layers[k]); });
    return state;
  }

  function refreshLegend() {
    if (!legend) return;
    const drawn = {};
    ["hotspots", "bike_coverage"].forEach(function (k) {
      drawn[k] = layers[k] && layers[k].getLayers().length ? layers[k].meta : null;
    });
    legend.update(visibleState(), cases.styleName, cases.lastMode || cases.mode, drawn);
  }

  function install(initial) {
    const R = XjwcRegisters;
    // Empty until the dashboard's figures arrive (setPlaces); here so their state applies.
    layers.hotspots = XjwcPlaces.hotspots();
    layers.bike_coverage = XjwcPlaces.coverage();
    Object.keys(cfg.basemap).forEach(function (k) {
      layers[k] = R.fadeBasemap(window[cfg.basemap[k]]);
    });
    layers.road_labels = R.roadLabels(window[cfg.basemap.roads]);
    if (cfg.tiles.length) layers.tiles = tileGroup();
    gridLabels = R.gridLabels(map, window[cfg.basemap.unit_grids], function () {
      return map.hasLayer(layers.unit_grids);
    });
    const state = initial.layers || {};
    Object.keys(layers).forEach(function (k) {
      const s = state[k] || {};
      api.setLayerVisible(k, s.visible === undefined ? cfg.defaultVisible[k] !== false
                                                     : !!s.visible, true);
      api.setLayerOpacity(k, s.opacity === undefined ? 1 : s.opacity, true);
    });
    if (initial.style) cases.setStyle(initial.style);
    if (initial.mode) cases.setMode(initial.mode);
    legend = new XjwcLegend(cfg).addTo(map);
    installBoxSelect();
    map.on("click", onClick);
    map.on("zoomend moveend", refreshLegend);
    refreshLegend();
  }

  function onClick(e) {
    if (performance.now() < suppressClickUntil || !map.hasLayer(cases)) return;
    const cluster = cases.clusterAt(e.containerPoint);
    if (cluster) {  // a cluster: look closer instead of picking one case out of many
      map.setView(map.containerPointToLatLng(cluster), Math.min(map.getZoom() + 2, 19));
      return;
    }
    const i = cases.nearest(e.containerPoint, 8);
    if (i >= 0 && bridge) bridge.caseClicked(cases.rowid[i]);
  }

  /* Shift-drag (or any drag in box mode) draws a box; the cases in it become the selection. */
  function installBoxSelect() {
    map.boxZoom.disable();
    const container = map.getContainer();
    let start = null, rect = null;
    container.addEventListener("mousedown", function (e) {
      if (e.button !== 0 || !(e.shiftKey || boxMode) || !map.hasLayer(cases)) return;
      start = map.mouseEventToContainerPoint(e);
      rect = L.DomUtil.create("div", "xjwc-box", container);
      L.DomUtil.setPosition(rect, start);
      map.dragging.disable();
      e.preventDefault();
      e.stopPropagation();
    }, true);
    document.addEventListener("mousemove", function (e) {
      if (!start) return;
      const p = map.mouseEventToContainerPoint(e);
      L.DomUtil.setPosition(rect, L.point(Math.min(p.x, start.x), Math.min(p.y, start.y)));
      rect.style.width = Math.abs(p.x - start.x) + "px";
      rect.style.height = Math.abs(p.y - start.y) + "px";
    });
    document.addEventListener("mouseup", function (e) {
      if (!start) return;
      const end = map.mouseEventToContainerPoint(e);
      L.DomUtil.remove(rect);
      const a = start;
      start = null;
      if (!boxMode) map.dragging.enable();
      suppressClickUntil = performance.now() + 300;
      if (Math.abs(end.x - a.x) < 3 && Math.abs(end.y - a.y) < 3) return;
      api.boxSelect(a.x, a.y, end.x, end.y);
    });
  }

  let maskWanted = 0;  // the newest mask version asked for (see loadMask)
  /* How many times the window had sent all points when it last did (reloadCases, or the
     page's start): a patch made before that carries positions of the old points. */
  let pointsSent = 0;

  const api = {
    layerState: function () { return visibleState(); },
    setLayerVisible: function (key, on, quiet) {
      const layer = layers[key];
      if (!layer) return false;
      if (on && !map.hasLayer(layer)) layer.addTo(map);
      if (!on && map.hasLayer(layer)) map.removeLayer(layer);
      if (key === "unit_grids" && gridLabels) gridLabels.update();
      // Place labels keep off the road names: they move when the names come or go.
      if (key === "road_labels" || key === "hotspots") XjwcPlaces.tidy(layers.hotspots);
      if (!quiet) refreshLegend();
      return true;
    },
    setLayerOpacity: function (key, value, quiet) {
      const layer = layers[key];
      if (!layer || !layer.setOpacity) return false;
      opacity[key] = Math.max(0, Math.min(1, Number(value)));
      layer.setOpacity(opacity[key]);
      if (key === "unit_grids" && gridLabels) gridLabels.group.setOpacity(opacity[key]);
      if (!quiet) refreshLegend();
      return true;
    },
    layerOpacity: function (key) { return opacity[key] === undefined ? 1 : opacity[key]; },
    /* The dashboard's places for its period and category: "hotspots" or "bike_coverage". */
    setPlaces: function (key, geojson) {
      const layer = layers[key];
      if (!layer || !layer.show) return -1;
      const n = layer.show(geojson, cfg);
      refreshLegend();
      return n;
    },
    places: function (key) { return layers[key] ? XjwcPlaces.describe(layers[key]) : []; },
    setCaseStyle: function (name) { const ok = cases.setStyle(name); refreshLegend(); return ok; },
    caseStyle: function () { return cases.styleName; },
    setCaseMode: function (mode) { cases.setMode(mode); refreshLegend(); return cases.lastMode; },
    drawnMode: function () { return cases.lastMode; },
    /* How points were last drawn: "discs" (each case a disc with an outline), "pixels". */
    pointStyle: function () {
      return cases.lastMode === "points" ? cases.pointStyle || null : null;
    },
    discsDrawn: function () { return cases.pointStyle === "discs" ? cases.discsDrawn : 0; },
    discRadius: function () { return cases.discRadiusDrawn || 0; },
    /* The filter's mask. The window serves the newest mask whatever version is asked for,
       and answers can come back out of order: one asked for before a newer one is dropped,
       or a quick change of filters could leave the map on an older one. */
    loadMask: function (version) {
      const t0 = performance.now();
      maskWanted = Math.max(maskWanted, version);
      fetchData("case_mask.bin?v=" + version).then(function (r) { return r.arrayBuffer(); })
        .then(function (buf) {
          if (version < maskWanted) return;  // a newer filter's mask is on its way
          const shown = cases.setMask(buf);
          if (shown < 0) return;  // for points not loaded yet: the reload applies its own
          refreshLegend();
          afterPaint(function () {
            if (bridge) bridge.maskApplied(version, shown, performance.now() - t0);
          });
        }).catch(report);
      return true;
    },
    loadLights: function (version) {
      fetchData("case_lights.bin?v=" + version).then(function (r) { return r.arrayBuffer(); })
        .then(function (buf) { cases.setLights(buf); }).catch(report);
      return true;
    },
    reloadCases: function (version, reloads) {
      pointsSent = reloads;
      fetchData("cases.bin?v=" + version).then(function (r) { return r.arrayBuffer(); })
        .then(function (buf) {
          cases.setData(buf);
          api.loadMask(Math.max(version, maskWanted));  // a mask that came early was dropped
        }).catch(report);
      return true;
    },
    patchCases: function (patch) {
      const n = cases.patch(patch);
      refreshLegend();
      return n;
    },
    /* A patch too large for a call (a sync's thousands of cases), as a buffer
       (core/queries/map_layers.py). */
    loadPatch: function (number) {
      fetchData("case_patch/" + number).then(function (r) { return r.arrayBuffer(); })
        .then(function (buf) {
          const head = new Uint32Array(buf, 0, 3);
          const count = head[0];
          if (head[2] !== pointsSent) return;  // the points were sent again since
          let off = 12;
          const patch = { positions: new Int32Array(buf, off, count) };
          off += 4 * count;
          ["status", "source", "category"].concat(head[1] & 1 ? ["light"] : [])
            .forEach(function (k) { patch[k] = new Uint8Array(buf, off, count); off += count; });
          api.patchCases(patch);
        }).catch(report);
      return true;
    },
    select: function (rowids) {
      const found = [];
      rowids.forEach(function (r) { const i = cases.positionOf(r); if (i >= 0) found.push(i); });
      cases.setSelection(Int32Array.from(found).sort());
      return found.length;
    },
    boxSelect: function (x0, y0, x1, y1) {
      const box = cases.boxToWorld(L.point(x0, y0), L.point(x1, y1), cases.frame());
      const positions = cases.positionsInBox(box);
      cases.setSelection(positions);
      if (bridge) bridge.boxSelected(JSON.stringify(box));
      return positions.length;
    },
    setBoxMode: function (on) {
      boxMode = !!on;
      if (boxMode) map.dragging.disable(); else map.dragging.enable();
      map.getContainer().classList.toggle("xjwc-box-mode", boxMode);
      return boxMode;
    },
    selectedRowids: function () {
      return Array.from(cases.selected, function (i) { return cases.rowid[i]; });
    },
    zoomToSelection: function () {
      if (!cases.selected.length) return false;
      const b = L.latLngBounds([]);
      cases.selected.forEach(function (i) { b.extend(cases.latLngOf(i)); });
      map.fitBounds(b.pad(0.2), { maxZoom: 18, animate: false });
      return true;
    },
    containerPointOf: function (rowid) {
      const i = cases.positionOf(rowid);
      if (i < 0) return null;
      const f = cases.frame();
      return [cases.x[i] * f.k - f.ox, cases.y[i] * f.k - f.oy];
    },
    latLngOf: function (rowid) {
      const i = cases.positionOf(rowid);
      if (i < 0) return null;
      const ll = cases.latLngOf(i);
      return [ll.lat, ll.lng];
    },
    legendText: function () {
      const box = document.querySelector(".xjwc-legend-body");
      return box ? Array.from(box.children, function (c) { return c.textContent; }) : [];
    },
    clusters: function () { return cases.clustersInView(); },
    gridCodesDrawn: function () { return gridLabels ? gridLabels.group.drawn : 0; },
    latLngAt: function (x, y) {
      const ll = map.containerPointToLatLng([x, y]);
      return [ll.lat, ll.lng];
    },
    /* The drawn style of a register layer's markers (what a user sees: size, colours). */
    markerStyles: function (key) {
      const out = [];
      const layer = layers[key];
      if (!layer || !layer.eachLayer) return out;
      layer.eachLayer(function visit(l) {
        if (l.eachLayer) { l.eachLayer(visit); return; }
        if (!l.options || l.options.radius === undefined) return;
        const ll = l.getLatLng();
        out.push({ lat: ll.lat, lon: ll.lng, radius: l.options.radius, color: l.options.color,
                   fillColor: l.options.fillColor, opacity: l.options.opacity,
                   role: l.options.role || null,
                   props: l.feature ? l.feature.properties : null });
      });
      return out;
    },
    caseCount: function () { return cases.shown; },
    totalCases: function () { return cases.n; },
    lastDrawMs: function () { return cases.lastDrawMs; },
    loadTimings: function () { return cases.loadTimings; },
    fitStreet: function () {
      map.fitBounds(window[cfg.basemap.boundary].getBounds(), { padding: [10, 10],
                                                                animate: false });
      return map.getZoom();
    },
    view: function () {
      const c = map.getCenter();
      return { lon: c.lng, lat: c.lat, zoom: map.getZoom() };
    },
    setView: function (lat, lon, zoom) { map.setView([lat, lon], zoom, { animate: false }); }
  };
  window.xjwc = api;

  /* What tests and benchmarks read of the page; the application never calls these. */
  window.xjwcProbe = {
    positionOf: function (rowid) { return cases.positionOf(rowid); },
    statusAt: function (i) { return cases.classes.status[i]; },
    lightAt: function (i) { return cases.classes.light[i]; },
    /* Point mode's level of detail on or off (benchmarks measure both in one run). */
    setLod: function (on) { cases.lod = !!on; cases.invalidate(); return cases.lod; },
    /* A LOD level checked against the plain dense count (a slot per cell, the case
     * visited last kept), for tests: true when representatives, counts and rows agree. */
    lodAgrees: function (level) {
      const lod = cases.lodLevel(level), g = cases.grid, span = Math.pow(2, 24 - level);
      if (lod === null) return null;
      const rep = new Map(), count = new Map();
      for (let j = 0; j < g.order.length; j++) {
        const i = g.order[j];
        if (!cases.mask[i]) continue;
        const c = (Math.floor(cases.y[i] / span) - lod.gy0) * lod.w
          + Math.floor(cases.x[i] / span) - lod.gx0;
        rep.set(c, i);
        count.set(c, (count.get(c) || 0) + 1);
      }
      const cells = Array.from(rep.keys()).sort(function (a, b) { return a - b; });
      if (cells.length !== lod.reps.length) return false;
      for (let q = 0; q < cells.length; q++) {
        const row = Math.floor(cells[q] / lod.w);
        if (lod.reps[q] !== rep.get(cells[q]) || lod.counts[q] !== count.get(cells[q])
            || q < lod.rowStart[row] || q >= lod.rowStart[row + 1]) return false;
      }
      return true;
    },
    /* Levels still being built in idle time. */
    warmingCount: function () { return Object.keys(cases.warming).length; },
    /* The levels built in idle time, each compared with the same level built at once. */
    warmedLevels: function () {
      const same = function (a, b) {
        if (a === null || b === null) return a === b;
        return ["total", "counts", "reps", "rowStart"].every(function (name) {
          if (!a[name]) return true;
          return a[name].length === b[name].length
            && a[name].every(function (v, i) { return v === b[name][i]; });
        });
      };
      const out = { clusters: [], lod: [], same: true };
      Object.keys(cases.clusterLevels).forEach(function (key) {
        if (key === "__name") return;
        const level = cases.clusterLevels[key], job = cases.clusterJob(key);
        while (!job.step(Infinity)) { /* to the last phase */ }
        out.clusters.push(level.zoom);
        out.same = out.same && same(level, job.result());
      });
      Object.keys(cases.lodCache).forEach(function (key) {
        if (key === "__name") return;
        const job = cases.lodJob(Number(key));
        while (!job.step(Infinity)) { /* to the last phase */ }
        out.lod.push(Number(key));
        out.same = out.same && same(cases.lodCache[key], job.result());
      });
      out.pending = window.xjwcProbe.warmingCount();
      return out;
    },
    /* The last frame: mode, primitives drawn (points or LOD cells), script ms. */
    drawStats: function () {
      return { mode: cases.lastMode, style: cases.pointStyle || null,
               primitives: cases.primitives, ms: cases.lastDrawMs };
    }
  };

  function init() {
    cfg = window.XJWC_CONFIG;
    map = window[cfg.map];
    // Quarter steps: the whole street then fills the map instead of half of it.
    map.options.zoomSnap = 0.25;
    L.control.scale({ imperial: false, maxWidth: 120 }).addTo(map);  // metres only
    map.attributionControl.setPrefix(false);
    map.attributionControl.addAttribution(cfg.attribution);
    map.createPane("xjwcPlaces").style.zIndex = 420;
    map.createPane("xjwcCases").style.zIndex = 450;
    map.createPane("xjwcRegisters").style.zIndex = 500;
    map.createPane("xjwcLabels").style.zIndex = 520;
    map.getPane("xjwcLabels").style.pointerEvents = "none";
    cases = new XjwcCaseLayer(cfg);
    new QWebChannel(qt.webChannelTransport, function (channel) {
      bridge = channel.objects.bridge;
      bridge.initialState(function (text) {
        const initial = JSON.parse(text || "{}");
        pointsSent = initial.reloads || 0;
        loadData().then(function (ms) { return whenSized(ms); }).then(function (ms) {
          // The view first, the layers after: each layer then draws once, at the right zoom.
          if (initial.view) api.setView(initial.view.lat, initial.view.lon, initial.view.zoom);
          else api.fitStreet();
          install(initial);
          map.on("moveend", function () {
            const c = map.getCenter();
            bridge.viewChanged(c.lng, c.lat, map.getZoom());
          });
          afterPaint(function () { bridge.mapReady(cases.n, ms); });
        }).catch(report);
      });
    });
  }

  // A page loaded while another view is on show has no size: fitting the street into
  // 0 × 0 pixels gives NaN coordinates. Wait until the map is shown, then go on.
  function whenSized(value) {
    const el = map.getContainer();
    const sized = function () { return el.clientWidth > 0 && el.clientHeight > 0; };
    if (sized()) return Promise.resolve(value);
    return new Promise(function (resolve) {
      const watch = new ResizeObserver(function () {
        if (!sized()) return;
        watch.disconnect();
        map.invalidateSize(false);
        resolve(value);
      });
      watch.observe(el);
    });
  }

  window.addEventListener("error", function (e) { report(e.error || e.message); });
  window.addEventListener("load", init);
})();
