/* xjwc map page: the case layer's density views — clusters and the heatmap.
 *
 * Clusters: counts per (screen bin, class) over every shown case at the current zoom,
 * computed in one pass and cached until the zoom, the style or the filter changes (a pan
 * only redraws them), drawn as rings split by class with the count inside. Heatmap: counts
 * on a quarter-resolution grid of the view, three box blurs (≈ a Gaussian), a colour ramp.
 */
(function () {
  "use strict";

  const CLUSTER_BIN = 56;       // screen pixels per cluster bin
  const HEAT_CELL = 4;          // screen pixels per heatmap cell

  const HEAT_RAMP = (function () {
    // blue → cyan → lime → yellow → red, 256 steps, as ABGR with rising alpha.
    const stops = [[0, 0, 0, 255], [0.25, 0, 255, 255], [0.5, 0, 255, 0], [0.75, 255, 255, 0],
                   [1, 255, 0, 0]];
    const ramp = new Uint32Array(256);
    for (let i = 0; i < 256; i++) {
      const t = i / 255;
      let k = 0;
      while (k < stops.length - 2 && t > stops[k + 1][0]) k++;
      const a = stops[k], b = stops[k + 1], f = (t - a[0]) / (b[0] - a[0]);
      const r = a[1] + f * (b[1] - a[1]), g = a[2] + f * (b[2] - a[2]), bl = a[3] + f * (b[3] - a[3]);
      const alpha = Math.min(255, 30 + 170 * Math.sqrt(t));  // the streets stay readable
      ramp[i] = ((alpha << 24) | (bl << 16) | (g << 8) | r) >>> 0;
    }
    return ramp;
  })();

  XjwcCaseLayer.include({
    /* Counts per (bin, class) for the whole data set at this zoom; kept until the data,
     * the filter or the style changes. The zooms either side are counted while the user
     * looks (in idle slices), so a zoom step finds its clusters ready. */
    clusters: function (f) {
      const key = f.zoom + "|" + this.styleName;
      let cc = this.clusterLevels[key];
      if (cc === undefined) {
        cc = this.clusterLevels[key] = this.finish(this.clusterLevels, key, this.clusterJob);
      }
      this.clusterCache = cc;
      const self = this, levels = this.clusterLevels;
      Object.keys(levels).forEach(function (k) {  // at most this zoom and its neighbours
        if (k !== "__name" && Math.abs(levels[k].zoom - f.zoom) > 1) delete levels[k];
      });
      [f.zoom + 1, f.zoom - 1].forEach(function (z) {
        self.warm(levels, z + "|" + self.styleName, self.clusterJob);
      });
      return cc;
    },

    /* Clusters at the key's zoom ("zoom|style") as a job: step(k) counts k more cases
     * (true when all are). */
    clusterJob: function (key) {
      const zoom = parseFloat(key);
      const nClass = this.cfg.styles[this.styleName].colors.length + 1;
      const g = this.grid, kb = Math.pow(2, zoom - 24) / CLUSTER_BIN;
      const bx0 = Math.floor(g.x0 * kb), by0 = Math.floor(g.y0 * kb);
      const bw = Math.floor((g.x0 + g.gw * g.cell) * kb) - bx0 + 1;
      const bh = Math.floor((g.y0 + g.gh * g.cell) * kb) - by0 + 1;
      const total = new Uint32Array(bw * bh);
      const counts = new Uint32Array(bw * bh * nClass);
      const sumX = new Float64Array(bw * bh), sumY = new Float64Array(bw * bh);
      const x = this.x, y = this.y, mask = this.mask, n = this.n;
      const cls = this.classes[this.styleName];
      let i = 0;
      return {
        step: function (k) {
          const end = Math.min(n, i + k);
          for (; i < end; i++) {
            if (!mask[i]) continue;
            const b = (Math.floor(y[i] * kb) - by0) * bw + Math.floor(x[i] * kb) - bx0;
            total[b]++;
            counts[b * nClass + Math.min(cls[i], nClass - 1)]++;
            sumX[b] += x[i]; sumY[b] += y[i];
          }
          return i >= n;
        },
        result: function () {
          const bins = [];
          for (let b = 0; b < total.length; b++) {
            if (total[b]) bins.push(b);
          }
          return { zoom: zoom, bins: Uint32Array.from(bins), total: total, counts: counts,
                   sumX: sumX, sumY: sumY, nClass: nClass };
        }
      };
    },

    clusterRadius: function (count) {
      return Math.min(30, 9 + 4.5 * Math.log10(count));
    },

    drawClusters: function (ctx, f) {
      const cc = this.clusters(f);
      const colors = this.cfg.styles[this.styleName].colors;
      const singles = [];
      ctx.font = "bold 11px " + this.cfg.font;
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      for (let j = 0; j < cc.bins.length; j++) {
        const b = cc.bins[j], n = cc.total[b];
        const sx = cc.sumX[b] / n * f.k - f.ox, sy = cc.sumY[b] / n * f.k - f.oy;
        const r = this.clusterRadius(n);
        if (sx < -r || sy < -r || sx > f.w + r || sy > f.h + r) continue;
        if (n === 1) { singles.push(sx, sy, b); continue; }
        let angle = -Math.PI / 2;
        for (let c = 0; c < cc.nClass; c++) {
          const part = cc.counts[b * cc.nClass + c];
          if (!part) continue;
          const sweep = 2 * Math.PI * part / n;
          ctx.beginPath();
          ctx.moveTo(sx, sy);
          ctx.arc(sx, sy, r, angle, angle + sweep);
          ctx.closePath();
          ctx.fillStyle = colors[c] || "#7f8c8d";
          ctx.fill();
          angle += sweep;
        }
        ctx.beginPath();
        ctx.arc(sx, sy, r * 0.62, 0, 2 * Math.PI);
        ctx.fillStyle = "rgba(255,255,255,0.92)";
        ctx.fill();
        ctx.fillStyle = "#2c3e50";
        ctx.fillText(this.formatCount(n), sx, sy);
      }
      for (let j = 0; j < singles.length; j += 3) {
        const b = singles[j + 2];
        let c = 0;
        while (c < cc.nClass && !cc.counts[b * cc.nClass + c]) c++;
        ctx.beginPath();
        ctx.arc(singles[j], singles[j + 1], 4, 0, 2 * Math.PI);
        ctx.fillStyle = colors[c] || "#7f8c8d";
        ctx.fill();
      }
    },

    formatCount: function (n) {
      const unit = this.cfg.countUnit;
      if (n < unit[1]) return String(n);
      const v = n / unit[1];
      return (v < 10 ? v.toFixed(1) : Math.round(v)) + unit[0];
    },

    drawHeatmap: function (ctx, f) {
      const gw = Math.ceil(f.w / HEAT_CELL), gh = Math.ceil(f.h / HEAT_CELL);
      const grid = new Float32Array(gw * gh);
      const kc = f.k / HEAT_CELL, ox = f.ox / HEAT_CELL, oy = f.oy / HEAT_CELL;
      const x = this.x, y = this.y, mask = this.mask;
      // Many cases: their counts per LOD cell (at most a heat cell across) instead of
      // each case, so a frame visits tens of thousands of cells, not a million points.
      const level = Math.min(24, Math.ceil(f.zoom) - Math.log2(HEAT_CELL));
      const lod = this.lod && this.shown >= this.cfg.lodAbove ? this.lodLevel(level) : null;
      if (lod) this.warmLodAround(level);
      if (lod) {
        const inv = 1 / f.k, pad = 6 * HEAT_CELL, span = lod.span;
        const r0 = Math.max(0, Math.floor(((f.oy - pad) * inv) / span) - lod.gy0);
        const r1 = Math.min(lod.h - 1, Math.floor(((f.oy + f.h + pad) * inv) / span) - lod.gy0);
        const reps = lod.reps, counts = lod.counts, rowStart = lod.rowStart;
        let drawn = 0;
        for (let row = r0; row <= r1; row++) {
          for (let q = rowStart[row]; q < rowStart[row + 1]; q++) {
            const i = reps[q];
            const cx = Math.floor(x[i] * kc - ox), cy = Math.floor(y[i] * kc - oy);
            if (cx >= 0 && cy >= 0 && cx < gw && cy < gh) { grid[cy * gw + cx] += counts[q]; drawn++; }
          }
        }
        this.primitives = drawn;
      } else {
        let drawn = 0;
        this.forEachCell(f, 6 * HEAT_CELL, function (order, from, to) {
          for (let j = from; j < to; j++) {
            const i = order[j];
            if (!mask[i]) continue;
            drawn++;
            const cx = Math.floor(x[i] * kc - ox), cy = Math.floor(y[i] * kc - oy);
            if (cx >= 0 && cy >= 0 && cx < gw && cy < gh) grid[cy * gw + cx] += 1;
          }
        });
        this.primitives = drawn;
      }
      const radius = Math.max(2, Math.round(f.zoom - 11));
      const tmp = new Float32Array(gw * gh);
      for (let pass = 0; pass < 3; pass++) {  // three box blurs ≈ a Gaussian
        boxBlur(grid, tmp, gw, gh, radius, true);
        boxBlur(tmp, grid, gw, gh, radius, false);
      }
      let max = 0;
      for (let i = 0; i < grid.length; i++) if (grid[i] > max) max = grid[i];
      if (max <= 0) return;
      const small = document.createElement("canvas");
      small.width = gw; small.height = gh;
      const sctx = small.getContext("2d");
      const img = sctx.createImageData(gw, gh);
      const px = new Uint32Array(img.data.buffer);
      const scale = 255 / Math.log1p(max);
      for (let i = 0; i < grid.length; i++) {
        if (grid[i] > max * 1e-4) px[i] = HEAT_RAMP[Math.min(255, (Math.log1p(grid[i]) * scale) | 0)];
      }
      sctx.putImageData(img, 0, 0);
      ctx.imageSmoothingEnabled = true;
      ctx.drawImage(small, 0, 0, gw * HEAT_CELL, gh * HEAT_CELL);
    },

    /* The clusters drawn now: [x, y, count] in container points (for tests and tools). */
    clustersInView: function () {
      if (this.lastMode !== "cluster" || !this.clusterCache) return [];
      const f = this.frame(), cc = this.clusterCache, out = [];
      for (let j = 0; j < cc.bins.length; j++) {
        const b = cc.bins[j], n = cc.total[b];
        const sx = cc.sumX[b] / n * f.k - f.ox, sy = cc.sumY[b] / n * f.k - f.oy;
        if (sx >= 0 && sy >= 0 && sx < f.w && sy < f.h) out.push([sx, sy, n]);
      }
      return out;
    },

    /* A cluster under a container point in cluster mode: its centre, else null. */
    clusterAt: function (pt) {
      if (this.lastMode !== "cluster" || !this.clusterCache) return null;
      const f = this.frame(), cc = this.clusterCache;
      for (let j = 0; j < cc.bins.length; j++) {
        const b = cc.bins[j], n = cc.total[b];
        if (n < 2) continue;
        const sx = cc.sumX[b] / n * f.k - f.ox, sy = cc.sumY[b] / n * f.k - f.oy;
        const r = this.clusterRadius(n);
        if ((sx - pt.x) * (sx - pt.x) + (sy - pt.y) * (sy - pt.y) <= r * r) {
          return L.point(sx, sy);
        }
      }
      return null;
    }
  });

  function boxBlur(src, dst, w, h, r, horizontal) {
    const norm = 1 / (2 * r + 1);
    const outer = horizontal ? h : w, inner = horizontal ? w : h;
    const step = horizontal ? 1 : w, lineStep = horizontal ? w : 1;
    for (let o = 0; o < outer; o++) {
      const base = o * lineStep;
      let acc = 0;
      for (let k = -r; k <= r; k++) {
        const idx = Math.min(inner - 1, Math.max(0, k));
        acc += src[base + idx * step];
      }
      for (let i = 0; i < inner; i++) {
        dst[base + i * step] = acc * norm;
        const add = Math.min(inner - 1, i + r + 1), sub = Math.max(0, i - r);
        acc += src[base + add * step] - src[base + sub * step];
      }
    }
  }

})();
