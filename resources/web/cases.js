/* xjwc map page: the case layer — a million points on one canvas, no WebGL.
 *
 * Data arrive once as typed arrays (see core/queries/map_layers.py); a filter change only
 * replaces the mask. At load the points are bucketed by a counting sort into a coarse
 * spatial grid (and by drawing rank, so open cases land on top of finished ones): a redraw
 * visits only the grid cells in view, and nothing allocates per point.
 *
 * Three ways to draw: points (here), clusters and a heatmap (case_density.js). "auto"
 * clusters while many cases are in view and shows points otherwise. Points are discs with
 * an outline while fewer than cfg.discsBelow cases are in view (each one readable), and
 * pixels written into ImageData beyond that (hundreds of thousands at once).
 */
(function () {
  "use strict";

  const Z24 = 24;
  const MAX_RINGS = 20000;      // selection rings drawn; beyond that a dot marks each one
  const LOD_MAX_CELLS = 1 << 28;  // a level's cells no more (its bitmap and prefix counts: 64 MB)
  const WARM_SLICE = 65536;  // cases visited per slice of idle work (a few ms)  // a level's cell grid no larger (32 MB while it is built)

  function abgr(hex) {
    const v = parseInt(hex.slice(1), 16);
    return ((255 << 24) | ((v & 0xff) << 16) | (v & 0xff00) | (v >> 16)) >>> 0;
  }

  /* Set bits of a 32-bit word. */
  function popcount(v) {
    v = v - ((v >>> 1) & 0x55555555);
    v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
    return Math.imul((v + (v >>> 4)) & 0x0F0F0F0F, 0x01010101) >>> 24;
  }

  function palette(colors) {
    const pal = new Uint32Array(256).fill(abgr("#7f8c8d"));
    colors.forEach(function (c, i) { pal[i] = abgr(c); });
    return pal;
  }

  const CaseLayer = L.Layer.extend({
    initialize: function (cfg) {
      this.cfg = cfg;
      this.n = 0;
      this.styleName = "status";
      this.mode = "auto";
      this.opacity = 1;
      this.selected = new Int32Array(0);
      this.clusterCache = null;
      this.clusterLevels = { __name: "clusters" };
      this.warming = {};
      this.lastDrawMs = 0;
      this.lastMode = "";
      this.lod = true;  // benchmarks switch it off to measure the direct drawing beside it
      this.lodCache = { __name: "lod" };
      this.primitives = 0;
    },

    setData: function (buffer) {
      const t0 = performance.now();
      const n = new DataView(buffer).getUint32(0, true);
      let off = 8;
      this.x = new Uint32Array(buffer, off, n); off += 4 * n;
      this.y = new Uint32Array(buffer, off, n); off += 4 * n;
      this.rowid = new Int32Array(buffer, off, n); off += 4 * n;
      this.classes = {
        status: new Uint8Array(buffer, off, n),
        source: new Uint8Array(buffer, off + n, n),
        category: new Uint8Array(buffer, off + 2 * n, n),
        light: new Uint8Array(n)
      };
      this.n = n;
      this.mask = new Uint8Array(n).fill(1);
      this.shown = n;
      this.selected = new Int32Array(0);
      this.buildGrid();
      const t1 = performance.now();
      this.invalidate();
      this.loadTimings = { grid: t1 - t0, firstDraw: performance.now() - t1 };
    },

    setMask: function (buffer) {
      const mask = new Uint8Array(buffer);
      // Cases came or went: the new points are on their way, and a mask follows them.
      if (mask.length !== this.n) return -1;
      let shown = 0;
      for (let i = 0; i < mask.length; i++) shown += mask[i];
      this.mask = mask;
      this.shown = shown;
      this.invalidate();
      return shown;
    },

    setLights: function (buffer) {
      const lights = new Uint8Array(buffer);
      if (lights.length === this.n) this.classes.light = lights;
      this.invalidate();
    },

    /* Cases written in place: new classes (and lights) for these positions; nothing moved. */
    patch: function (p) {
      const cls = this.classes;
      let reranked = false;
      for (let k = 0; k < p.positions.length; k++) {
        const i = p.positions[k];
        if (i < 0 || i >= this.n) continue;
        if (cls.status[i] !== p.status[k]) reranked = true;
        cls.status[i] = p.status[k];
        cls.source[i] = p.source[k];
        cls.category[i] = p.category[k];
        if (p.light) cls.light[i] = p.light[k];
      }
      if (reranked) this.buildGrid();  // open cases are drawn above finished ones
      this.invalidate();
      return p.positions.length;
    },

    setStyle: function (name) {
      if (!this.cfg.styles[name]) return false;
      this.styleName = name;
      this.invalidate();
      return true;
    },

    setMode: function (mode) {
      this.mode = mode;
      this.invalidate();
    },

    setOpacity: function (o) {
      this.opacity = o;
      if (this.canvas) this.canvas.style.opacity = String(o);
    },

    invalidate: function () {
      this.clusterCache = null;
      this.clusterLevels = { __name: "clusters" };
      this.lodCache = { __name: "lod" };
      this.warming = {};
      this.version = (this.version || 0) + 1;
      if (this._map) this.redraw();
    },

    /* Counting sort by (rank, cell): cells are 2^shift zoom-24 pixels square. */
    buildGrid: function () {
      const n = this.n, x = this.x, y = this.y;
      let x0 = 4294967295, y0 = 4294967295, x1 = 0, y1 = 0;
      for (let i = 0; i < n; i++) {
        const a = x[i], b = y[i];
        if (a < x0) x0 = a; if (a > x1) x1 = a;
        if (b < y0) y0 = b; if (b > y1) y1 = b;
      }
      if (!n) { x0 = y0 = x1 = y1 = 0; }
      let shift = 0;
      while (Math.max(x1 - x0, y1 - y0) / Math.pow(2, shift) >= 256) shift++;
      const cell = Math.pow(2, shift);
      const gw = Math.floor((x1 - x0) / cell) + 1, gh = Math.floor((y1 - y0) / cell) + 1;
      const cells = gw * gh;
      const rankOf = this.cfg.statusRank;  // 0 finished, 1 suspended, 2 open
      const status = this.classes.status;
      const key = new Uint32Array(n);
      const start = new Uint32Array(3 * cells + 1);
      for (let i = 0; i < n; i++) {
        const k = rankOf[status[i]] * cells + Math.floor((y[i] - y0) / cell) * gw +
          Math.floor((x[i] - x0) / cell);
        key[i] = k;
        start[k + 1]++;
      }
      for (let k = 0; k < 3 * cells; k++) start[k + 1] += start[k];
      const fill = start.slice(0, 3 * cells);
      const order = new Uint32Array(n);
      for (let i = 0; i < n; i++) order[fill[key[i]]++] = i;
      this.grid = { x0: x0, y0: y0, cell: cell, gw: gw, gh: gh, cells: cells, start: start,
                    order: order };
    },

    onAdd: function (m) {
      this.canvas = L.DomUtil.create("canvas", "xjwc-cases leaflet-zoom-hide");
      this.canvas.style.opacity = String(this.opacity);
      (m.getPane("xjwcCases") || m.getPanes().overlayPane).appendChild(this.canvas);
      m.on("moveend zoomend resize viewreset", this.redraw, this);
      this.drawnKey = null;
      this.redraw();
    },

    onRemove: function (m) {
      L.DomUtil.remove(this.canvas);
      m.off("moveend zoomend resize viewreset", this.redraw, this);
    },

    /* The view in zoom-24 pixels: screen (sx, sy) = (X * k - ox, Y * k - oy). */
    frame: function () {
      const m = this._map;
      const size = m.getSize();
      const tl = m.containerPointToLayerPoint([0, 0]);
      const origin = m.getPixelOrigin();
      const k = Math.pow(2, m.getZoom() - Z24);
      return { w: size.x, h: size.y, k: k, ox: origin.x + tl.x, oy: origin.y + tl.y, tl: tl,
               zoom: m.getZoom() };
    },

    /* Calls visit(i, sx, sy) for shown cases whose cell touches the view grown by pad px
     * (of one drawing rank only, if given). */
    forEachInView: function (f, pad, visit, onlyRank) {
      const g = this.grid;
      if (!g || !this.n) return;
      const inv = 1 / f.k;
      const X0 = (f.ox - pad) * inv, X1 = (f.ox + f.w + pad) * inv;
      const Y0 = (f.oy - pad) * inv, Y1 = (f.oy + f.h + pad) * inv;
      const cx0 = Math.max(0, Math.floor((X0 - g.x0) / g.cell));
      const cx1 = Math.min(g.gw - 1, Math.floor((X1 - g.x0) / g.cell));
      const cy0 = Math.max(0, Math.floor((Y0 - g.y0) / g.cell));
      const cy1 = Math.min(g.gh - 1, Math.floor((Y1 - g.y0) / g.cell));
      if (cx0 > cx1 || cy0 > cy1) return;
      const x = this.x, y = this.y, mask = this.mask, order = g.order, start = g.start;
      for (let rank = 0; rank < 3; rank++) {
        if (onlyRank !== undefined && rank !== onlyRank) continue;
        for (let cy = cy0; cy <= cy1; cy++) {
          const row = rank * g.cells + cy * g.gw;
          const end = start[row + cx1 + 1];
          for (let j = start[row + cx0]; j < end; j++) {
            const i = order[j];
            if (mask[i]) visit(i, x[i] * f.k - f.ox, y[i] * f.k - f.oy);
          }
        }
      }
    },

    /* Calls span(order, from, to) for each run of the grid's order in view (hot loops
     * iterate the run themselves instead of a callback per point). */
    forEachCell: function (f, pad, span) {
      const g = this.grid;
      if (!g || !this.n) return;
      const inv = 1 / f.k;
      const cx0 = Math.max(0, Math.floor(((f.ox - pad) * inv - g.x0) / g.cell));
      const cx1 = Math.min(g.gw - 1, Math.floor(((f.ox + f.w + pad) * inv - g.x0) / g.cell));
      const cy0 = Math.max(0, Math.floor(((f.oy - pad) * inv - g.y0) / g.cell));
      const cy1 = Math.min(g.gh - 1, Math.floor(((f.oy + f.h + pad) * inv - g.y0) / g.cell));
      for (let rank = 0; rank < 3; rank++) {
        for (let cy = cy0; cy <= cy1; cy++) {
          const row = rank * g.cells + cy * g.gw;
          span(g.order, g.start[row + cx0], g.start[row + cx1 + 1]);
        }
      }
    },

    /* Shown cases in the grid cells the view touches (a slight overcount at the edges is
     * fine: it only decides between points and clusters). */
    countInView: function (f) {
      let count = 0;
      const mask = this.mask;
      this.forEachCell(f, 0, function (order, from, to) {
        for (let j = from; j < to; j++) count += mask[order[j]];
      });
      return count;
    },

    drawMode: function (f) {
      if (this.mode !== "auto") return this.mode;
      if (f.zoom >= this.cfg.clusterBelowZoom) return "points";
      return this.shown > this.cfg.clusterAbove && this.countInView(f) > this.cfg.clusterAbove
        ? "cluster" : "points";
    },

    /* Few enough cases in view to draw each as a disc with an outline (a filtered set of a
     * few thousand must read at any zoom, not as 1-px specks); otherwise pixels. */
    wantDiscs: function (f) {
      const limit = this.cfg.discsBelow;
      return this.shown <= limit || this.countInView(f) <= limit;
    },

    redraw: function () {
      const m = this._map;
      if (!m || !this.canvas) return;
      const t0 = performance.now();
      const f = this.frame();
      // A zoom fires viewreset, zoomend and moveend in a row: draw the frame once.
      const key = [f.zoom, f.ox, f.oy, f.w, f.h, this.version, this.selected.length].join("|");
      if (key === this.drawnKey) return;
      this.drawnKey = key;
      L.DomUtil.setPosition(this.canvas, f.tl);
      if (this.canvas.width !== f.w || this.canvas.height !== f.h) {
        this.canvas.width = f.w; this.canvas.height = f.h;
      }
      const ctx = this.canvas.getContext("2d");
      ctx.clearRect(0, 0, f.w, f.h);
      const mode = this.drawMode(f);
      if (mode === "heatmap") this.drawHeatmap(ctx, f);
      else if (mode === "cluster") this.drawClusters(ctx, f);
      else if (this.wantDiscs(f)) this.drawDiscs(ctx, f);
      else this.drawPoints(ctx, f);
      if (mode !== "points") this.pointStyle = null;
      this.drawSelection(ctx, f);
      this.lastMode = mode;
      this.lastDrawMs = performance.now() - t0;
    },

    discRadius: function (zoom) {
      return zoom <= 14 ? 4 : zoom <= 16 ? 5 : 6;
    },

    /* Each shown case in view as a filled disc in its class colour, ringed white over a
     * thin dark halo; one path per (rank, class), open cases over finished ones. */
    drawDiscs: function (ctx, f) {
      const colors = this.cfg.styles[this.styleName].colors, pal = this.cfg.palette;
      const cls = this.classes[this.styleName], status = this.classes.status;
      const small = this.cfg.statusSmall, r = this.discRadius(f.zoom);
      let drawn = 0;
      for (let rank = 0; rank < 3; rank++) {
        const groups = new Map();
        this.forEachInView(f, r + 2, function (i, sx, sy) {
          if (sx < -r - 2 || sy < -r - 2 || sx > f.w + r + 2 || sy > f.h + r + 2) return;
          const key = cls[i] * 2 + (small[status[i]] ? 1 : 0);
          let list = groups.get(key);
          if (!list) groups.set(key, list = []);
          list.push(sx, sy);
        }, rank);
        groups.forEach(function (pts, key) {
          const rr = key & 1 ? r - 1 : r;
          ctx.beginPath();
          for (let j = 0; j < pts.length; j += 2) {
            ctx.moveTo(pts[j] + rr, pts[j + 1]);
            ctx.arc(pts[j], pts[j + 1], rr, 0, 2 * Math.PI);
          }
          ctx.lineWidth = 3;
          ctx.strokeStyle = pal.case_halo;
          ctx.stroke();
          ctx.lineWidth = 1.5;
          ctx.strokeStyle = pal.case_outline;
          ctx.stroke();
          ctx.fillStyle = colors[key >> 1] || "#7f8c8d";
          ctx.fill();
          drawn += pts.length / 2;
        });
      }
      this.pointStyle = "discs";
      this.discsDrawn = drawn;
      this.discRadiusDrawn = r;
    },

    radius: function (zoom) {
      return zoom <= 14 ? 1 : zoom <= 16 ? 2 : zoom <= 17 ? 3 : 4;
    },

    /* Points as small discs written straight into ImageData. The hot loop touches only
     * typed arrays: cells in view, then a precomputed disc of pixel offsets per point
     * (edge checks only for points near the border). */
    drawPoints: function (ctx, f) {
      const w = f.w, h = f.h, g = this.grid;
      const img = ctx.createImageData(w, h);
      const px = new Uint32Array(img.data.buffer);
      if (!g || !this.n) { ctx.putImageData(img, 0, 0); return; }
      const pal = palette(this.cfg.styles[this.styleName].colors);
      const cls = this.classes[this.styleName];
      const status = this.classes.status, small = this.cfg.statusSmall;
      // Hundreds of thousands of points in view overlap anyway: smaller discs, half the work.
      const r = Math.max(1, this.radius(f.zoom) - (this.shown > 300000 && f.zoom < 17 ? 1 : 0));
      const discs = [disc(r, w), disc(Math.max(0, r - 1), w)];
      const smallOf = new Uint8Array(256);
      small.forEach(function (v, i) { smallOf[i] = v ? 1 : 0; });
      const lod = this.lodFor(f, r);
      if (lod) {
        this.drawLod(px, f, lod, pal, cls, discs, smallOf);
        ctx.putImageData(img, 0, 0);
        this.pointStyle = "pixels";
        this.discsDrawn = 0;
        return;
      }
      this.primitives = 0;
      const x = this.x, y = this.y, mask = this.mask, order = g.order, start = g.start;
      const k = f.k, ox = f.ox, oy = f.oy, pad = r + 1, inv = 1 / k;
      const cx0 = Math.max(0, Math.floor(((ox - pad) * inv - g.x0) / g.cell));
      const cx1 = Math.min(g.gw - 1, Math.floor(((ox + w + pad) * inv - g.x0) / g.cell));
      const cy0 = Math.max(0, Math.floor(((oy - pad) * inv - g.y0) / g.cell));
      const cy1 = Math.min(g.gh - 1, Math.floor(((oy + h + pad) * inv - g.y0) / g.cell));
      for (let rank = 0; rank < 3; rank++) {
        for (let cy = cy0; cy <= cy1; cy++) {
          const row = rank * g.cells + cy * g.gw;
          const end = start[row + cx1 + 1];
          for (let j = start[row + cx0]; j < end; j++) {
            const i = order[j];
            if (!mask[i]) continue;
            this.primitives++;
            const sx = (x[i] * k - ox) | 0, sy = (y[i] * k - oy) | 0;
            stampDisc(px, w, h, sx, sy, discs[smallOf[status[i]]], pal[cls[i]]);
          }
        }
      }
      ctx.putImageData(img, 0, 0);
      this.pointStyle = "pixels";
      this.discsDrawn = 0;
    },

    /* Level of detail for many points: at a zoom level's pixel resolution, one point per
     * occupied cell (the one drawn last, so open cases win), cells kept in row order.
     * Built on first use per (level, data version) in one pass over the grid's order
     * (~20 ms a million), so a frame draws at most one primitive per occupied pixel of the
     * view instead of every case under it. Null when direct drawing is cheap enough, or
     * when the level's cell grid would be too big (close up, where few cases are in view). */
    lodFor: function (f, r) {
      if (!this.lod || this.shown < this.cfg.lodAbove) return null;
      // Cells of at most 1 screen px for the smallest discs, of up to 2 px from radius 2
      // (the disc covers them): the picture drawing every case gives, from one primitive
      // per occupied pixel cell. (Coarser cells cut more but change a third of the pixels.)
      const level = Math.min(24, Math.ceil(f.zoom) - (r >= 2 ? 1 : 0));
      const got = this.lodLevel(level);
      this.warmLodAround(level);
      return got;
    },

    /* The neighbouring levels, built while the user looks: the next zoom step finds them. */
    warmLodAround: function (level) {
      const self = this;
      [level + 1, level - 1].forEach(function (near) {
        if (near <= 24) self.warm(self.lodCache, near, self.lodJob);
      });
    },

    lodLevel: function (level) {
      const cached = this.lodCache[level];
      if (cached !== undefined) return cached;
      return (this.lodCache[level] = this.finish(this.lodCache, level, this.lodJob));
    },

    /* A level needed now: the idle job already building it is finished, else a new one run. */
    finish: function (store, key, makeJob) {
      const tag = key + "@" + store.__name;
      const job = this.warming[tag] || makeJob.call(this, key);
      delete this.warming[tag];
      while (!job.step(Infinity)) { /* to the last phase */ }
      return job.result();
    },

    /* Work done in slices when the page is idle (requestIdleCallback), none longer than a
     * few milliseconds, so that it never holds up the user's next pan or zoom; dropped when
     * the data, the filter or the style changes meanwhile. ``store[key]`` gets the result. */
    warm: function (store, key, makeJob) {
      const tag = key + "@" + store.__name;
      if (store[key] !== undefined || this.warming[tag]) return;
      const self = this, warming = this.warming, job = makeJob.call(this, key);
      warming[tag] = job;
      const tick = function (deadline) {
        // Dropped when the data changed (a new warming set) or the level was needed now.
        if (self.warming !== warming || warming[tag] !== job) return;
        while (deadline.timeRemaining() > 2 || deadline.didTimeout) {
          if (job.step(WARM_SLICE)) {
            delete warming[tag];
            store[key] = job.result();
            return;
          }
          if (deadline.didTimeout) break;
        }
        requestIdleCallback(tick, { timeout: 2000 });
      };
      requestIdleCallback(tick, { timeout: 2000 });
    },

    /* A LOD level as a job: step(k) visits k more cases (true when all are visited).
     * Occupied cells are a bitmap (a bit a cell, rows padded to whole 32-bit words), so a
     * level's grid costs an eighth of a byte per cell instead of eight: fine levels of the
     * whole street fit, which at three million cases a dense grid could not. Two passes: the
     * bits, then each case's rank among the occupied cells (the words' prefix counts plus a
     * population count) gives its slot; the case visited last wins, as before. */
    lodJob: function (level) {
      const g = this.grid;
      const shift = 24 - level, span = Math.pow(2, shift);
      const gx0 = Math.floor(g.x0 / span), gy0 = Math.floor(g.y0 / span);
      const w = Math.floor((g.x0 + g.gw * g.cell) / span) - gx0 + 1;
      const h = Math.floor((g.y0 + g.gh * g.cell) / span) - gy0 + 1;
      const words = Math.ceil(w / 32);
      if (words * 32 * h > LOD_MAX_CELLS) {
        return { step: function () { return true; }, result: function () { return null; } };
      }
      const t0 = performance.now();
      const bits = new Uint32Array(words * h);
      const x = this.x, y = this.y, mask = this.mask, order = g.order, n = order.length;
      let phase = 0, j = 0, prefix = null, reps = null, counts = null;
      return {
        step: function (k) {
          if (phase === 0) {  // the occupied cells
            const end = Math.min(n, j + k);
            for (; j < end; j++) {
              const i = order[j];
              if (!mask[i]) continue;
              const col = Math.floor(x[i] / span) - gx0;
              bits[(Math.floor(y[i] / span) - gy0) * words + (col >>> 5)] |= 1 << (col & 31);
            }
            if (j < n) return false;
            phase = 1; j = 0;
            prefix = new Uint32Array(bits.length + 1);
            return false;
          }
          if (phase === 1) {  // occupied cells before each word
            const end = Math.min(bits.length, j + 8 * k);
            let acc = prefix[j];
            for (; j < end; j++) { prefix[j] = acc; acc += popcount(bits[j]); }
            prefix[j] = acc;
            if (j < bits.length) return false;
            reps = new Int32Array(acc); counts = new Uint32Array(acc);
            phase = 2; j = 0;
            return false;
          }
          const end = Math.min(n, j + k);  // each case into its cell's slot
          for (; j < end; j++) {
            const i = order[j];
            if (!mask[i]) continue;
            const col = Math.floor(x[i] / span) - gx0, b = col & 31;
            const word = (Math.floor(y[i] / span) - gy0) * words + (col >>> 5);
            const q = prefix[word] + (b ? popcount(bits[word] & (0xFFFFFFFF >>> (32 - b))) : 0);
            reps[q] = i;
            counts[q]++;
          }
          return j >= n;
        },
        result: function () {
          const rowStart = new Uint32Array(h + 1);
          for (let row = 0; row <= h; row++) rowStart[row] = prefix[row * words];
          return { level: level, span: span, gx0: gx0, gy0: gy0, w: w, h: h, reps: reps,
                   counts: counts, rowStart: rowStart, buildMs: performance.now() - t0 };
        }
      };
    },

    /* The LOD's cells in view, as the direct loop draws points (three passes by rank). */
    drawLod: function (px, f, lod, pal, cls, discs, smallOf) {
      const w = f.w, h = f.h, k = f.k, ox = f.ox, oy = f.oy, inv = 1 / k;
      const x = this.x, y = this.y, status = this.classes.status, rankOf = this.cfg.statusRank;
      const pad = discs[0].r + 1;
      const r0 = Math.max(0, Math.floor(((oy - pad) * inv) / lod.span) - lod.gy0);
      const r1 = Math.min(lod.h - 1, Math.floor(((oy + h + pad) * inv) / lod.span) - lod.gy0);
      const c0 = Math.floor(((ox - pad) * inv) / lod.span) - lod.gx0;
      const c1 = Math.floor(((ox + w + pad) * inv) / lod.span) - lod.gx0;
      const reps = lod.reps, rowStart = lod.rowStart, span = lod.span, gx0 = lod.gx0;
      let drawn = 0;
      for (let rank = 0; rank < 3; rank++) {
        for (let row = r0; row <= r1; row++) {
          for (let q = rowStart[row]; q < rowStart[row + 1]; q++) {
            const i = reps[q];
            const col = Math.floor(x[i] / span) - gx0;
            if (col < c0 || col > c1 || rankOf[status[i]] !== rank) continue;
            drawn++;
            const sx = (x[i] * k - ox) | 0, sy = (y[i] * k - oy) | 0;
            stampDisc(px, w, h, sx, sy, discs[smallOf[status[i]]], pal[cls[i]]);
          }
        }
      }
      this.primitives = drawn;
    },

    setSelection: function (positions) {
      this.selected = positions;
      this.drawnKey = null;
      if (this._map) this.redraw();
    },

    drawSelection: function (ctx, f) {
      const sel = this.selected;
      if (!sel.length) return;
      ctx.lineWidth = 2.5;
      ctx.strokeStyle = "#00e5ff";
      ctx.fillStyle = "#00e5ff";
      const ring = sel.length <= MAX_RINGS;
      // One path for all (a draw call per case costs ~1 µs each: 64k of them, 60 ms).
      ctx.beginPath();
      for (let j = 0; j < sel.length; j++) {
        const i = sel[j];
        const sx = this.x[i] * f.k - f.ox, sy = this.y[i] * f.k - f.oy;
        if (sx < -10 || sy < -10 || sx > f.w + 10 || sy > f.h + 10) continue;
        if (ring) { ctx.moveTo(sx + 8, sy); ctx.arc(sx, sy, 8, 0, 2 * Math.PI); }
        else ctx.rect(sx - 1.5, sy - 1.5, 3, 3);
      }
      if (ring) ctx.stroke(); else ctx.fill();
    },

    /* Shown cases inside a box of zoom-24 pixels [x0, y0, x1, y1]: positions, ascending.
     * The same rule as positions_in_box() in Python, which selects the table rows. */
    positionsInBox: function (box) {
      const g = this.grid;
      if (!g || !this.n) return new Int32Array(0);
      const x = this.x, y = this.y, mask = this.mask, order = g.order, start = g.start;
      // The grid cells the box touches, each run of the order scanned in place (no
      // callback, no growing array: 64k cases in a few ms).
      const cx0 = Math.max(0, Math.floor((box[0] - g.x0) / g.cell));
      const cx1 = Math.min(g.gw - 1, Math.floor((box[2] - g.x0) / g.cell));
      const cy0 = Math.max(0, Math.floor((box[1] - g.y0) / g.cell));
      const cy1 = Math.min(g.gh - 1, Math.floor((box[3] - g.y0) / g.cell));
      if (cx0 > cx1 || cy0 > cy1) return new Int32Array(0);
      let found = new Int32Array(1024), k = 0;
      for (let rank = 0; rank < 3; rank++) {
        for (let cy = cy0; cy <= cy1; cy++) {
          const row = rank * g.cells + cy * g.gw;
          const end = start[row + cx1 + 1];
          for (let j = start[row + cx0]; j < end; j++) {
            const i = order[j];
            if (!mask[i] || x[i] < box[0] || x[i] > box[2] || y[i] < box[1] || y[i] > box[3]) {
              continue;
            }
            if (k === found.length) { const more = new Int32Array(2 * k); more.set(found); found = more; }
            found[k++] = i;
          }
        }
      }
      return found.slice(0, k).sort();
    },

    /* The rectangle in zoom-24 pixels, rounded inwards (x0, y0, x1, y1). */
    boxToWorld: function (a, b, f) {
      const inv = 1 / f.k;
      return [Math.ceil((Math.min(a.x, b.x) + f.ox) * inv), Math.ceil((Math.min(a.y, b.y) + f.oy) * inv),
              Math.floor((Math.max(a.x, b.x) + f.ox) * inv), Math.floor((Math.max(a.y, b.y) + f.oy) * inv)];
    },

    /* Nearest shown case to a container point within maxPx, as a position (or -1). */
    nearest: function (pt, maxPx) {
      const f = this.frame();
      // Only the cells around the point: a small frame centred on it.
      const near = { w: 2 * maxPx, h: 2 * maxPx, k: f.k, ox: f.ox + pt.x - maxPx,
                     oy: f.oy + pt.y - maxPx, zoom: f.zoom };
      let best = -1, bestD = maxPx * maxPx;
      this.forEachInView(near, 0, function (i, sx, sy) {
        const dx = sx - maxPx, dy = sy - maxPx, d = dx * dx + dy * dy;
        if (d <= bestD) { bestD = d; best = i; }
      });
      return best;
    },

    positionOf: function (rowid) {
      let lo = 0, hi = this.n - 1;
      const ids = this.rowid;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (ids[mid] === rowid) return mid;
        if (ids[mid] < rowid) lo = mid + 1; else hi = mid - 1;
      }
      return -1;
    },

    latLngOf: function (i) {
      const X = this.x[i] / 4294967296, Y = this.y[i] / 4294967296;
      return L.latLng(Math.atan(Math.sinh(Math.PI * (1 - 2 * Y))) * 180 / Math.PI, X * 360 - 180);
    }
  });

  /* The pixels of a disc of radius r: offsets in a row-major image of width w. */
  function disc(r, w) {
    const dx = [], dy = [];
    for (let j = -r; j <= r; j++) {
      for (let i = -r; i <= r; i++) {
        if (i * i + j * j <= r * r + 1) { dx.push(i); dy.push(j); }
      }
    }
    return { r: r, dx: Int32Array.from(dx), dy: Int32Array.from(dy),
             offs: Int32Array.from(dx.map(function (v, q) { return dy[q] * w + v; })) };
  }

  /* Disc d (see disc()) of colour c centred on (sx, sy) in px, a w × h image; cut at the
     edges only when it reaches them (the fast path writes its offsets at once). */
  function stampDisc(px, w, h, sx, sy, d, c) {
    const rr = d.r;
    if (sx >= rr && sy >= rr && sx < w - rr && sy < h - rr) {
      const base = sy * w + sx, offs = d.offs;
      for (let q = 0; q < offs.length; q++) px[base + offs[q]] = c;
    } else if (sx >= -rr && sy >= -rr && sx < w + rr && sy < h + rr) {
      for (let q = 0; q < d.dx.length; q++) {
        const xx = sx + d.dx[q], yy = sy + d.dy[q];
        if (xx >= 0 && yy >= 0 && xx < w && yy < h) px[yy * w + xx] = c;
      }
    }
  }

  CaseLayer.palette = palette;
  window.XjwcCaseLayer = CaseLayer;
})();
