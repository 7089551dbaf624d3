// The report's inline stylesheet and JavaScript renderer (see report/html.hpp). The script reads
// the JSON in <script id="vitals-data"> and draws every chart as SVG; it needs no library and no
// network. DOM hooks the tests read: section.panel#panel-{training-health, validation-quality,
// collapse-detection, loss-components}; div.chart[data-metric] (one per metric; stacked areas have
// path.area[data-metric]); g.threshold[data-value]; rect.alert-span[data-rule]; html[data-rendered]
// html[data-render-ms] (the script), html[data-load-ms] (since navigation start) when done and
// html[data-paint-ms] once the charts are painted; html[data-js-errors] and pre#vitals-errors on a script error.
#pragma once

#include "vitals/version.hpp"  // VITALS_ABI

#include <string_view>

namespace vitals::inline VITALS_ABI::report::detail {
inline constexpr std::string_view report_css = R"CSS(
:root{--fg:#1d2330;--muted:#667085;--line:#e4e7ec;--bg:#f7f8fa;--card:#fff;--warn:#d92d20;--ok:#039855}
*{box-sizing:border-box}
body{margin:0;font:13px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:var(--fg);background:var(--bg)}
header{padding:14px 20px;background:#101828;color:#fff}
header h1{margin:0 0 4px;font-size:18px;font-weight:600}
header .meta{color:#d0d5dd;font-size:12px}
header .warn{color:#fec84b}
main{padding:12px 20px 40px}
h2{font-size:15px;margin:22px 0 8px;font-weight:600}
h3{font-size:13px;margin:12px 0 6px;color:var(--muted);font-weight:600}
.legend{display:flex;flex-wrap:wrap;gap:6px 14px;margin:8px 0}
.legend span{display:inline-flex;align-items:center;gap:5px}
.legend i{display:inline-block;width:14px;height:3px;border-radius:2px}
.panels{display:grid;grid-template-columns:repeat(auto-fill,minmax(560px,1fr));gap:12px}
.panel{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:8px 10px}
.panel>h2{margin:2px 0 6px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(360px,1fr));gap:10px}
.chart{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:4px 6px;position:relative}
.panel .chart{border:none;padding:2px 0}
.chart .t{font-weight:600;font-size:12px;cursor:pointer;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.chart .t small{font-weight:400;color:var(--muted)}
.chart svg{display:block;width:100%;height:auto}
svg text{font-size:10px;fill:var(--muted)}
.axis line,.axis path{stroke:var(--line)}
.threshold line{stroke-dasharray:5 4;stroke-width:1.2}
.threshold.bad line{stroke:var(--warn)}.threshold.bad text{fill:var(--warn)}
.threshold.good line{stroke:var(--ok)}.threshold.good text{fill:var(--ok)}
.alert-span{fill:var(--warn);opacity:.10}
.alert-span.lane{opacity:.55}
.alert-span.error{fill:#9e1a1a}
.empty{color:var(--muted);font-style:italic;margin:6px 0}
table{border-collapse:collapse;font-size:12px;background:var(--card)}
th,td{border:1px solid var(--line);padding:3px 8px;text-align:left;vertical-align:top;max-width:520px;overflow-wrap:anywhere}
th{background:#f2f4f7;font-weight:600}
tr.diff td{background:#fffaeb}
td.num{text-align:right;font-variant-numeric:tabular-nums}
details{margin:6px 0}
summary{cursor:pointer;color:var(--muted)}
#tip{position:fixed;pointer-events:none;background:rgba(16,24,40,.92);color:#fff;padding:5px 8px;border-radius:4px;font-size:11px;display:none;z-index:9;white-space:pre}
#vitals-errors{color:var(--warn);background:#fee4e2;padding:8px}
)CSS";

inline constexpr std::string_view report_js = R"JS(
(function () {
'use strict';
var t0 = (window.performance && performance.now) ? performance.now() : 0;
var errors = [];
window.addEventListener('error', function (e) {
  errors.push(String(e.message || e) + (e.lineno ? ' (line ' + e.lineno + ')' : ''));
  document.documentElement.setAttribute('data-js-errors', errors.join(' | '));
  var pre = document.getElementById('vitals-errors');
  if (!pre) { pre = document.createElement('pre'); pre.id = 'vitals-errors'; document.body.insertBefore(pre, document.body.firstChild); }
  pre.textContent = 'The report script failed: ' + errors.join('\n');
});
var NS = 'http://www.w3.org/2000/svg';
var COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];
var AREA = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
// The seed's thresholds (DESIGN.md, docs/health.md): bad = a warning when crossed, good = healthy side.
var TH = {
  'train/grad_norm_max': [[100, 'exploding > 100', 'bad']],
  'train/grad_norm_mean': [[100, 'exploding > 100', 'bad'], [0.001, 'vanishing < 0.001', 'bad']],
  'train/grad_norm': [[100, 'exploding > 100', 'bad'], [0.001, 'vanishing < 0.001', 'bad']],
  'model/weight_max': [[10, 'exploding weights > 10', 'bad']],
  'model/weight_mean': [[0.001, 'dead neurons < 0.001', 'bad']],
  'model/ema_diff': [[1, 'unstable > 1', 'bad']],
  'train/batch_loss_std': [[0.01, 'collapse < 0.01', 'bad']],
  'train/batch_loss_cv': [[0.01, 'collapse < 0.01', 'bad'], [0.05, 'healthy > 0.05', 'good']],
  'validation/gen_std': [[0.1, 'collapse < 0.1', 'bad'], [0.5, 'healthy > 0.5', 'good']],
  'validation/gen_range': [[0.5, 'no diversity < 0.5', 'bad'], [2, 'healthy > 2', 'good']],
  'validation/knee_r_std': [[0.1, 'healthy > 0.1', 'good'], [0.05, 'collapse < 0.05', 'bad']],
  'validation/grf_vz_r_std': [[10, 'healthy > 10', 'good'], [1, 'collapse < 1', 'bad']],
  'train/loss_decrease': [[0, 'loss rising < 0', 'bad']]
};
function thresholds(k) {
  if (TH[k]) return TH[k];
  if (k.indexOf('loss_ratio/') === 0) return [[0.9, 'dominant > 0.9', 'bad']];
  return [];
}
// Which charts show a rule's firing spans (plus any metric named in the alert's text).
var RULE_METRICS = {
  exploding_gradients: ['train/grad_norm_max', 'train/grad_norm_mean', 'train/grad_norm'],
  vanishing_gradients: ['train/grad_norm_mean', 'train/grad_norm'],
  exploding_weights: ['model/weight_max'], dead_neurons: ['model/weight_mean'], unstable_ema: ['model/ema_diff'],
  loss_collapse: ['train/batch_loss_std', 'train/batch_loss_cv'],
  low_generation_diversity: ['validation/gen_std'], narrow_generation_range: ['validation/gen_range'],
  plateau: ['train/is_improving', 'train/total_loss', 'train/loss'],
  dominant_loss_term: ['loss_ratio/*'],
  mode_collapse: ['train/batch_loss_cv', 'validation/gen_std', 'model/ema_diff', 'health/mode_collapse']
};

var D = JSON.parse(document.getElementById('vitals-data').textContent);
var RUNS = D.runs || [];
var app = document.getElementById('app');
app.textContent = '';
var tip = el('div', {id: 'tip'}, document.body);

function el(tag, attrs, parent, text) {
  var e = document.createElement(tag);
  if (attrs) for (var a in attrs) if (attrs[a] !== undefined && attrs[a] !== null) e.setAttribute(a, attrs[a]);
  if (text !== undefined) e.textContent = text;
  if (parent) parent.appendChild(e);
  return e;
}
function sv(tag, attrs, parent, text) {
  var e = document.createElementNS(NS, tag);
  if (attrs) for (var a in attrs) if (attrs[a] !== undefined && attrs[a] !== null) e.setAttribute(a, attrs[a]);
  if (text !== undefined) e.textContent = text;
  if (parent) parent.appendChild(e);
  return e;
}
function fmt(v) {
  if (v === null || v === undefined) return 'NaN';
  if (typeof v !== 'number') return String(v);
  var a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(2);
  return String(Math.round(v * 1e4) / 1e4);
}
function runLabel(r, i) { return r.name || r.id || r.dir || ('run ' + (i + 1)); }
function color(i) { return COLORS[i % COLORS.length]; }

// Per run: key -> series; spans per rule.
RUNS.forEach(function (r) {
  r.byKey = {};
  (r.metrics || []).forEach(function (s) { r.byKey[s.k] = s; });
  r.histByKey = {};
  (r.hists || []).forEach(function (h) { r.histByKey[h.k] = h; });
  r.spans = {};
  var open = {};
  var alerts = (r.alerts || []).slice().sort(function (a, b) { return a.step - b.step; });
  alerts.forEach(function (a) {
    var st = String(a.state || '').toLowerCase();
    if (st === 'not_evaluated') return;
    var rule = a.rule || a.title || 'alert';
    if (st === 'cleared') {
      if (open[rule]) { open[rule].end = a.step; (r.spans[rule] = r.spans[rule] || []).push(open[rule]); delete open[rule]; }
    } else if (!open[rule]) {
      open[rule] = {rule: rule, start: a.step, end: null, level: String(a.level || '').toLowerCase(), text: a.text || ''};
    }
  });
  for (var k in open) { open[k].end = r.last_step; open[k].open = true; (r.spans[k] = r.spans[k] || []).push(open[k]); }
});
var allKeys = [], seenKey = {};
RUNS.forEach(function (r) { (r.metrics || []).forEach(function (s) { if (!seenKey[s.k]) { seenKey[s.k] = 1; allKeys.push(s.k); } }); });
var allHists = [], seenHist = {};
RUNS.forEach(function (r) { (r.hists || []).forEach(function (h) { if (!seenHist[h.k]) { seenHist[h.k] = 1; allHists.push(h.k); } }); });
var X0 = Infinity, X1 = -Infinity;
RUNS.forEach(function (r) {
  if (!r.rows && !(r.metrics || []).length) return;
  X0 = Math.min(X0, r.first_step); X1 = Math.max(X1, r.last_step);
  (r.hists || []).forEach(function (h) { h.s.forEach(function (s) { X0 = Math.min(X0, s.step); X1 = Math.max(X1, s.step); }); });
});
if (!isFinite(X0)) { X0 = 0; X1 = 1; }
if (X1 <= X0) X1 = X0 + 1;

function spansFor(r, key) {
  var out = [];
  for (var rule in r.spans) {
    var ms = RULE_METRICS[rule] || [];
    var hit = ms.indexOf(key) >= 0 || (key.indexOf('loss_ratio/') === 0 && ms.indexOf('loss_ratio/*') >= 0);
    if (!hit) hit = r.spans[rule].some(function (s) { return s.text && s.text.indexOf(key) >= 0; });
    if (hit) out = out.concat(r.spans[rule]);
  }
  return out;
}

function niceTicks(lo, hi, n) {
  var span = hi - lo;
  if (!(span > 0)) return [lo];
  var step = Math.pow(10, Math.floor(Math.log10(span / n)));
  var err = span / n / step;
  if (err >= 7.5) step *= 10; else if (err >= 3.5) step *= 5; else if (err >= 1.5) step *= 2;
  var out = [];
  for (var v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

var W = 560, H = 170, ML = 52, MR = 10, MT = 8, MB = 20;
function xs(x) { return ML + (x - X0) / (X1 - X0) * (W - ML - MR); }
var TL = 170;  // the alert timeline's left margin (rule names)
function xt(x) { return TL + (x - X0) / (X1 - X0) * (W - TL - MR); }
function pts(s) {
  // -> [{x, y, lo, hi}] with x the bucket's middle step.
  var out = [];
  for (var i = 0; i < s.x.length; i++) {
    var x = s.x1 ? (s.x[i] + s.x1[i]) / 2 : s.x[i];
    out.push({x: x, y: s.y[i], lo: s.lo ? s.lo[i] : s.y[i], hi: s.hi ? s.hi[i] : s.y[i], i: i});
  }
  return out;
}

// One chart: a div.chart[data-metric] with a title and an SVG. opts: {key, title, bars, log}
function chart(parent, key, opts) {
  opts = opts || {};
  var div = el('div', {'class': 'chart', 'data-metric': key}, parent);
  var series = [];
  RUNS.forEach(function (r, i) { var s = r.byKey[key]; if (s) series.push({r: r, s: s, c: color(i), ri: i}); });
  var total = 0, nf = 0;
  series.forEach(function (q) { total += q.s.n; nf += q.s.nf; });
  var t = el('div', {'class': 't', title: key + ' (click: log scale)'}, div);
  t.appendChild(document.createTextNode(opts.title || key));
  el('small', null, t, '  ' + total + ' values' + (nf ? ', ' + nf + ' NaN/Inf' : '') +
     (series.length && series[0].s.w > 1 ? ', ' + series[0].s.w + ' per point, min/max shaded' : ''));
  var holder = el('div', null, div);
  var log = !!opts.log;
  function draw() {
    holder.textContent = '';
    var svg = sv('svg', {viewBox: '0 0 ' + W + ' ' + H, width: W, height: H}, holder);
    var lo = Infinity, hi = -Infinity;
    series.forEach(function (q) {
      var a = q.s.min, b = q.s.max;
      if (a !== null && a < lo) lo = a;
      if (b !== null && b > hi) hi = b;
    });
    var bars = opts.bars || (series.length > 0 && series.every(function (q) { return q.s.bin; }));
    if (bars) { lo = 0; hi = 1; }
    if (!isFinite(lo)) { lo = 0; hi = 1; }
    var canLog = log && lo > 0;
    var f = canLog ? function (v) { return Math.log10(v); } : function (v) { return v; };
    var ylo = f(lo), yhi = f(hi);
    if (yhi - ylo < 1e-12 * Math.max(1, Math.abs(yhi))) { var pad = Math.abs(yhi) * 0.05 || 0.5; ylo -= pad; yhi += pad; }
    else { var p2 = (yhi - ylo) * 0.05; ylo -= p2; yhi += p2; }
    function ys(v) { return MT + (1 - (f(v) - ylo) / (yhi - ylo)) * (H - MT - MB); }
    var ax = sv('g', {'class': 'axis'}, svg);
    var yt = canLog ? niceTicks(Math.ceil(ylo), Math.floor(yhi), 4).map(function (e) { return Math.pow(10, e); }) : niceTicks(ylo, yhi, 4);
    yt.forEach(function (v) {
      var y = ys(v);
      if (!(y >= MT - 1 && y <= H - MB + 1)) return;
      sv('line', {x1: ML, x2: W - MR, y1: y, y2: y}, ax);
      sv('text', {x: ML - 4, y: y + 3, 'text-anchor': 'end'}, ax, fmt(v));
    });
    niceTicks(X0, X1, 5).forEach(function (v) {
      var x = xs(v);
      sv('line', {x1: x, x2: x, y1: H - MB, y2: H - MB + 3}, ax);
      sv('text', {x: x, y: H - 6, 'text-anchor': 'middle'}, ax, fmt(v));
    });
    sv('path', {d: 'M' + ML + ',' + (H - MB) + 'H' + (W - MR), fill: 'none'}, ax);
    // Alert spans of the rules that read this metric.
    series.forEach(function (q) {
      spansFor(q.r, key).forEach(function (sp) {
        var a = xs(sp.start), b = Math.max(xs(sp.end), a + 2);
        var rc = sv('rect', {'class': 'alert-span ' + (sp.level.indexOf('err') === 0 ? 'error' : 'warning'), 'data-rule': sp.rule,
          x: a, y: MT, width: b - a, height: H - MT - MB}, svg);
        sv('title', null, rc, sp.rule + ' firing, steps ' + sp.start + '-' + (sp.open ? 'end' : sp.end) + (series.length > 1 ? ' (' + runLabel(q.r, q.ri) + ')' : ''));
      });
    });
    series.forEach(function (q) {
      var P = pts(q.s);
      var g = sv('g', {'class': 'series', 'data-run': q.ri}, svg);
      if (bars) {
        var bw = Math.max(1, (W - ML - MR) / Math.max(P.length, 1) / Math.max(series.length, 1));
        var bd = '';  // one path for all bars (thousands of rects would slow the page down)
        P.forEach(function (p) {
          if (p.y === null) return;
          var y = Math.min(ys(Math.max(p.y, 0.0)), H - MB - 0.5), x = xs(p.x) - bw / 2 + q.ri * bw / series.length;
          bd += 'M' + x.toFixed(1) + ',' + (H - MB) + 'V' + y.toFixed(1) + 'h' + Math.max(bw * 0.9, 1).toFixed(2) + 'V' + (H - MB) + 'Z';
        });
        sv('path', {'class': 'bars', d: bd, fill: q.c, opacity: 0.75}, g);
        return;
      }
      var ok = function (v) { return v !== null && (!canLog || v > 0); };
      if (q.s.lo) {
        var top = [], bot = [];
        P.forEach(function (p) { if (ok(p.lo) && ok(p.hi)) { top.push(xs(p.x).toFixed(1) + ',' + ys(p.hi).toFixed(1)); bot.push(xs(p.x).toFixed(1) + ',' + ys(p.lo).toFixed(1)); } });
        if (top.length) sv('path', {'class': 'envelope', d: 'M' + top.join('L') + 'L' + bot.reverse().join('L') + 'Z', fill: q.c, opacity: 0.16, stroke: 'none'}, g);
      }
      var d = '', pen = false;
      P.forEach(function (p) {
        if (!ok(p.y)) { pen = false; return; }
        d += (pen ? 'L' : 'M') + xs(p.x).toFixed(1) + ',' + ys(p.y).toFixed(1);
        pen = true;
      });
      if (P.length === 1 && ok(P[0].y)) sv('circle', {cx: xs(P[0].x), cy: ys(P[0].y), r: 2.5, fill: q.c}, g);
      sv('path', {'class': 'line', d: d, fill: 'none', stroke: q.c, 'stroke-width': 1.4}, g);
      (q.s.bad || []).forEach(function (b) {
        var p = P[b[0]];
        if (p) sv('line', {'class': 'nonfinite', x1: xs(p.x), x2: xs(p.x), y1: H - MB, y2: H - MB - 7, stroke: '#d92d20', 'stroke-width': 2}, g);
      });
    });
    // Threshold lines (always in the DOM; off-scale ones as a labelled marker at the edge).
    thresholds(key).forEach(function (th) {
      var v = th[0], y = canLog && v <= 0 ? NaN : ys(v);
      var off = !(y >= MT && y <= H - MB);
      var g = sv('g', {'class': 'threshold ' + th[2] + (off ? ' offscale' : ''), 'data-value': v, 'data-metric': key}, svg);
      if (off) {
        var up = !(y <= H - MB);
        var yy = up ? H - MB - 3 : MT + 9;
        if (!isFinite(y)) yy = H - MB - 3;
        sv('text', {x: W - MR - 2, y: yy, 'text-anchor': 'end'}, g, (up ? '\u25bc ' : '\u25b2 ') + th[1]);
      } else {
        sv('line', {x1: ML, x2: W - MR, y1: y, y2: y}, g);
        sv('text', {x: W - MR - 2, y: y - 3, 'text-anchor': 'end'}, g, th[1]);
      }
    });
    svg.addEventListener('mousemove', function (ev) {
      var box = svg.getBoundingClientRect();
      var x = X0 + ((ev.clientX - box.left) / box.width * W - ML) / (W - ML - MR) * (X1 - X0);
      var lines = ['step ' + Math.round(x)];
      series.forEach(function (q) {
        var P = pts(q.s), best = null;
        P.forEach(function (p) { if (!best || Math.abs(p.x - x) < Math.abs(best.x - x)) best = p; });
        if (best) lines.push((series.length > 1 ? runLabel(q.r, q.ri) + ': ' : '') + fmt(best.y) +
          (q.s.lo ? '  [' + fmt(best.lo) + ', ' + fmt(best.hi) + ']' : '') + '  @' + Math.round(best.x));
      });
      tip.textContent = lines.join('\n');
      tip.style.display = 'block';
      tip.style.left = (ev.clientX + 12) + 'px';
      tip.style.top = (ev.clientY + 12) + 'px';
    });
    svg.addEventListener('mouseleave', function () { tip.style.display = 'none'; });
  }
  t.addEventListener('click', function () { log = !log; draw(); });
  draw();
  return div;
}

// Stacked area of several metrics (shares, e.g. loss_ratio/*): one chart per run.
function stacked(parent, keys, r, ri) {
  var div = el('div', {'class': 'chart stack', 'data-metrics': keys.join(','), 'data-run': ri}, parent);
  var t = el('div', {'class': 't'}, div, RUNS.length > 1 ? runLabel(r, ri) : 'loss_ratio/* (stacked)');
  var have = keys.filter(function (k) { return r.byKey[k]; });
  if (!have.length) { el('p', {'class': 'empty'}, div, 'not logged in this run'); return; }
  var base = pts(r.byKey[have[0]]);
  function at(P, j, x) {
    var p = P.length === base.length ? P[j] : null;
    if (!p) {  // different bucketing: the nearest point (P is sorted by x)
      var lo = 0, hi = P.length - 1;
      while (hi - lo > 1) { var m = (lo + hi) >> 1; if (P[m].x < x) lo = m; else hi = m; }
      p = Math.abs(P[lo].x - x) <= Math.abs(P[hi].x - x) ? P[lo] : P[hi];
    }
    return p && p.y !== null ? Math.max(p.y, 0) : 0;
  }
  var layers = have.map(function (k) { var P = pts(r.byKey[k]); return base.map(function (p, j) { return at(P, j, p.x); }); });
  var sums = base.map(function (p, j) { var s = 0; layers.forEach(function (l) { s += l[j]; }); return s; });
  var top = Math.max(1, Math.max.apply(null, sums.concat([0])));
  var svg = sv('svg', {viewBox: '0 0 ' + W + ' ' + H, width: W, height: H}, div);
  function ys(v) { return MT + (1 - v / top) * (H - MT - MB); }
  var ax = sv('g', {'class': 'axis'}, svg);
  niceTicks(0, top, 4).forEach(function (v) { var y = ys(v); sv('line', {x1: ML, x2: W - MR, y1: y, y2: y}, ax); sv('text', {x: ML - 4, y: y + 3, 'text-anchor': 'end'}, ax, fmt(v)); });
  niceTicks(X0, X1, 5).forEach(function (v) { sv('text', {x: xs(v), y: H - 6, 'text-anchor': 'middle'}, ax, fmt(v)); });
  spansFor(r, have[0]).forEach(function (sp) {
    var a = xs(sp.start), b = Math.max(xs(sp.end), a + 2);
    sv('rect', {'class': 'alert-span', 'data-rule': sp.rule, x: a, y: MT, width: b - a, height: H - MT - MB}, svg);
  });
  var cum = base.map(function () { return 0; });
  var leg = el('div', {'class': 'legend'}, div);
  layers.forEach(function (l, li) {
    var upper = [], lower = [];
    base.forEach(function (p, j) {
      lower.push(xs(p.x).toFixed(1) + ',' + ys(cum[j]).toFixed(1));
      cum[j] += l[j];
      upper.push(xs(p.x).toFixed(1) + ',' + ys(cum[j]).toFixed(1));
    });
    var c = AREA[li % AREA.length];
    var path = sv('path', {'class': 'area', 'data-metric': have[li], d: 'M' + upper.join('L') + 'L' + lower.reverse().join('L') + 'Z', fill: c, opacity: 0.85, stroke: '#fff', 'stroke-width': 0.5}, svg);
    sv('title', null, path, have[li]);
    var s = el('span', null, leg); el('i', {style: 'background:' + c + ';height:10px'}, s); s.appendChild(document.createTextNode(have[li]));
  });
  var th = sv('g', {'class': 'threshold bad', 'data-value': 0.9, 'data-metric': 'loss_ratio/*'}, svg);
  sv('line', {x1: ML, x2: W - MR, y1: ys(0.9), y2: ys(0.9)}, th);
  sv('text', {x: W - MR - 2, y: ys(0.9) - 3, 'text-anchor': 'end'}, th, 'one term > 0.9: others ignored');
}

function histChart(parent, key) {
  RUNS.forEach(function (r, ri) {
    var h = r.histByKey[key];
    if (!h || !h.s.length) return;
    var div = el('div', {'class': 'chart hist', 'data-metric': key, 'data-run': ri}, parent);
    el('div', {'class': 't'}, div, key + (RUNS.length > 1 ? ' - ' + runLabel(r, ri) : '')).appendChild(el('small', null, null, '  ' + h.n + ' histograms, ' + h.s.length + ' drawn'));
    var snaps = h.s.filter(function (s) { return s.bins.length === s.values.length + 1 && s.bins.length > 1 && s.bins[0] !== null && s.bins[s.bins.length - 1] !== null; });
    var lo = Infinity, hi = -Infinity;
    snaps.forEach(function (s) { lo = Math.min(lo, s.bins[0]); hi = Math.max(hi, s.bins[s.bins.length - 1]); });
    if (!isFinite(lo) || !isFinite(hi)) { lo = 0; hi = 1; }
    if (!(hi > lo)) { hi = lo + 1; }
    var R = 40, svg = sv('svg', {viewBox: '0 0 ' + W + ' ' + H, width: W, height: H}, div);
    function ys(v) { return MT + (1 - (v - lo) / (hi - lo)) * (H - MT - MB); }
    var ax = sv('g', {'class': 'axis'}, svg);
    niceTicks(lo, hi, 4).forEach(function (v) { sv('text', {x: ML - 4, y: ys(v) + 3, 'text-anchor': 'end'}, ax, fmt(v)); });
    niceTicks(X0, X1, 5).forEach(function (v) { sv('text', {x: xs(v), y: H - 6, 'text-anchor': 'middle'}, ax, fmt(v)); });
    var g = sv('g', {'class': 'cells'}, svg);
    snaps.forEach(function (s, si) {
      var xa = xs(s.step), xb = si + 1 < snaps.length ? xs(snaps[si + 1].step) : Math.min(W - MR, xa + (W - ML - MR) / Math.max(snaps.length, 1));
      if (xb - xa < 1) xb = xa + 1;
      var rows = new Array(R).fill(0), mx = 0;
      for (var b = 0; b < s.values.length; b++) {
        var a0 = s.bins[b], a1 = s.bins[b + 1], v = s.values[b] || 0;
        if (!(a1 > a0) || !v) continue;
        var r0 = (a0 - lo) / (hi - lo) * R, r1 = (a1 - lo) / (hi - lo) * R;
        for (var k = Math.max(0, Math.floor(r0)); k < Math.min(R, Math.ceil(r1)); k++) {
          var ov = Math.min(r1, k + 1) - Math.max(r0, k);
          if (ov > 0) rows[k] += v * ov / (r1 - r0);
        }
      }
      rows.forEach(function (v) { if (v > mx) mx = v; });
      rows.forEach(function (v, k) {
        if (!v) return;
        var y1 = ys(lo + (k + 1) / R * (hi - lo)), y0 = ys(lo + k / R * (hi - lo));
        sv('rect', {x: xa, y: y1, width: xb - xa + 0.3, height: y0 - y1 + 0.3, fill: color(ri), 'fill-opacity': (0.08 + 0.92 * v / mx).toFixed(2)}, g);
      });
    });
  });
}

function table(parent, header, rows, diffCheck) {
  var tb = el('table', null, parent);
  var tr = el('tr', null, tb);
  header.forEach(function (h) { el('th', null, tr, h); });
  rows.forEach(function (row) {
    var differs = diffCheck && row.length > 2 && row.slice(1).some(function (v) { return v !== row[1]; });
    var r = el('tr', differs ? {'class': 'diff'} : null, tb);
    row.forEach(function (v, i) { el('td', i > 0 && /^-?[0-9.eE+-]+$/.test(v) ? {'class': 'num'} : null, r, v); });
  });
  return tb;
}
function flatten(obj, prefix, out) {
  if (obj !== null && typeof obj === 'object' && !Array.isArray(obj)) {
    var ks = Object.keys(obj);
    if (!ks.length && prefix) out[prefix] = '{}';
    ks.forEach(function (k) { flatten(obj[k], prefix ? prefix + '.' + k : k, out); });
  } else if (prefix) {
    out[prefix] = typeof obj === 'string' ? obj : JSON.stringify(obj);
  }
  return out;
}
function keyTable(parent, getObj, diffCheck) {
  var flat = RUNS.map(function (r) { var o = getObj(r); return typeof o === 'string' ? {'(text)': o} : flatten(o || {}, '', {}); });
  var keys = [], seen = {};
  flat.forEach(function (f) { Object.keys(f).forEach(function (k) { if (!seen[k]) { seen[k] = 1; keys.push(k); } }); });
  if (!keys.length) { el('p', {'class': 'empty'}, parent, 'none'); return; }
  var header = ['key'].concat(RUNS.length > 1 ? RUNS.map(runLabel) : ['value']);
  table(parent, header, keys.map(function (k) { return [k].concat(flat.map(function (f) { return k in f ? fmt(typeof f[k] === 'string' && /^-?[0-9.eE+-]+$/.test(f[k]) && !isNaN(+f[k]) ? +f[k] : f[k]) : ''; })); }), diffCheck);
}

// ---------------------------------------------------------------- page
var head = el('header', null, app);
el('h1', null, head, (D.title || 'vitals report'));
RUNS.forEach(function (r, i) {
  var status = r.exit_code === null ? 'no exit code (crashed or still running)' : 'exit code ' + r.exit_code;
  var bits = [runLabel(r, i)];
  if (r.id) bits.push('id ' + r.id);
  if (r.project) bits.push('project ' + r.project);
  if (r.group) bits.push('group ' + r.group);
  if (r.tags && r.tags.length) bits.push('tags ' + r.tags.join(','));
  bits.push(r.rows + ' rows, steps ' + r.first_step + '-' + r.last_step);
  if (r.runtime) bits.push(fmt(r.runtime) + ' s');
  bits.push(status);
  var line = el('div', {'class': 'meta'}, head, bits.join('  \u00b7  '));
  if (RUNS.length > 1) { var sw = el('i', {style: 'display:inline-block;width:12px;height:3px;margin-right:6px;vertical-align:middle;background:' + color(i)}); line.insertBefore(sw, line.firstChild); }
  (r.warnings || []).forEach(function (w) { el('div', {'class': 'meta warn'}, head, '\u26a0 ' + w); });
});
el('div', {'class': 'meta'}, head, 'generated ' + D.generated + ' by vitals; self-contained (no network)');
var main = el('main', null, app);

var used = {};
function pick(cands) { for (var i = 0; i < cands.length; i++) if (seenKey[cands[i]]) return cands[i]; return null; }
function panel(id, title, fill, expect) {
  var p = el('section', {'class': 'panel', id: id}, null);
  el('h2', null, p, title);
  var n = fill(p);
  if (!n) el('p', {'class': 'empty'}, p, 'Not logged in ' + (RUNS.length > 1 ? 'these runs' : 'this run') + ' (expects ' + expect + ').');
  return p;
}
var grid = el('div', {'class': 'panels'}, main);
grid.appendChild(panel('panel-training-health', '1. Training health', function (p) {
  var n = 0;
  [['train/total_loss', 'train/loss', 'train/batch_loss_mean', 'loss'], ['train/grad_norm_mean', 'train/grad_norm'], ['train/is_improving']].forEach(function (c, i) {
    var k = pick(c);
    if (k) { used[k] = 1; chart(p, k, {bars: i === 2}); n++; }
  });
  return n;
}, 'train/total_loss, train/grad_norm_mean, train/is_improving'));
var P3 = ['train/batch_loss_cv', 'validation/gen_std', 'model/ema_diff', 'health/mode_collapse'];
grid.appendChild(panel('panel-validation-quality', '2. Validation quality', function (p) {
  var ks = allKeys.filter(function (k) { return (k.indexOf('validation/') === 0 || k.indexOf('val/') === 0) && P3.indexOf(k) < 0; });
  var seedOrder = ['validation/knee_r_std', 'validation/grf_vz_r_std'];
  function rank(k) { var i = seedOrder.indexOf(k); return i >= 0 ? i : /_healthy$/.test(k) ? 4 : thresholds(k).length ? 2 : 3; }
  ks.sort(function (a, b) { return rank(a) - rank(b); });  // stable: first-logged order within a rank
  ks.forEach(function (k) { used[k] = 1; chart(p, k, {bars: /_healthy$/.test(k)}); });
  return ks.length;
}, 'validation/knee_r_std, validation/grf_vz_r_std, validation/*_healthy'));
grid.appendChild(panel('panel-collapse-detection', '3. Mode collapse detection', function (p) {
  var n = 0;
  P3.forEach(function (k) { if (seenKey[k]) { used[k] = 1; chart(p, k, {bars: k === 'health/mode_collapse'}); n++; } });
  return n;
}, 'train/batch_loss_cv, validation/gen_std, model/ema_diff'));
grid.appendChild(panel('panel-loss-components', '4. Loss components', function (p) {
  var ks = allKeys.filter(function (k) { return k.indexOf('loss_ratio/') === 0; });
  if (!ks.length) return 0;
  ks.forEach(function (k) { used[k] = 1; });
  var row = el('div', {'class': RUNS.length > 1 ? 'grid' : ''}, p);
  RUNS.forEach(function (r, i) { stacked(row, ks, r, i); });
  return ks.length;
}, 'loss_ratio/*'));

if (RUNS.length > 1) {
  var leg = el('div', {'class': 'legend'}, null);
  RUNS.forEach(function (r, i) { var s = el('span', null, leg); el('i', {style: 'background:' + color(i)}, s); s.appendChild(document.createTextNode(runLabel(r, i))); });
  main.insertBefore(leg, grid);
}

// Alert timeline: one lane per rule (and run), firing spans and every event.
var anyAlerts = RUNS.some(function (r) { return (r.alerts || []).length; });
el('h2', null, main, 'Alerts');
var at = el('section', {id: 'alerts'}, main);
if (!anyAlerts) el('p', {'class': 'empty'}, at, 'No alerts.');
else {
  var lanes = [];
  RUNS.forEach(function (r, ri) {
    var rules = [], seen = {};
    (r.alerts || []).forEach(function (a) { if (!seen[a.rule]) { seen[a.rule] = 1; rules.push(a.rule); } });
    rules.forEach(function (rule) { lanes.push({r: r, ri: ri, rule: rule}); });
  });
  var LH = 18, svg = sv('svg', {id: 'alert-timeline', viewBox: '0 0 ' + W + ' ' + (lanes.length * LH + 24), width: W, height: lanes.length * LH + 24}, el('div', {'class': 'chart', style: 'max-width:760px'}, at));
  lanes.forEach(function (ln, li) {
    var y = 4 + li * LH;
    sv('text', {x: TL - 6, y: y + 11, 'text-anchor': 'end'}, svg, (RUNS.length > 1 ? (ln.ri + 1) + ':' : '') + ln.rule.slice(0, 28));
    sv('line', {x1: TL, x2: W - MR, y1: y + 8, y2: y + 8, stroke: '#e4e7ec'}, svg);
    (ln.r.spans[ln.rule] || []).forEach(function (sp) {
      var a = xt(sp.start), b = Math.max(xt(sp.end), a + 3);
      var rc = sv('rect', {'class': 'alert-span lane ' + (sp.level.indexOf('err') === 0 ? 'error' : 'warning'), 'data-rule': ln.rule, x: a, y: y + 2, width: b - a, height: 12}, svg);
      sv('title', null, rc, ln.rule + ': firing from step ' + sp.start + (sp.open ? ' to the end' : ' to ' + sp.end));
    });
    (ln.r.alerts || []).forEach(function (a) {
      if (a.rule !== ln.rule) return;
      var st = String(a.state).toLowerCase();
      var c = sv('circle', {'class': 'alert-event', 'data-state': st, cx: xt(a.step), cy: y + 8, r: 3,
        fill: st === 'cleared' ? '#039855' : st === 'not_evaluated' ? '#98a2b3' : '#d92d20'}, svg);
      sv('title', null, c, a.title + ' (step ' + a.step + (a.epoch >= 0 ? ', epoch ' + a.epoch : '') + '): ' + a.text);
    });
  });
  niceTicks(X0, X1, 6).forEach(function (v) { sv('text', {x: xt(v), y: lanes.length * LH + 18, 'text-anchor': 'middle'}, svg, fmt(v)); });
  var det = el('details', null, at);
  var total = 0; RUNS.forEach(function (r) { total += (r.alerts || []).length; });
  el('summary', null, det, 'All ' + total + ' alert events');
  var rows = [];
  RUNS.forEach(function (r, ri) { (r.alerts || []).forEach(function (a) { rows.push([RUNS.length > 1 ? runLabel(r, ri) : '', String(a.step), a.epoch >= 0 ? String(a.epoch) : '', a.rule, a.state, a.level, a.text]); }); });
  table(det, ['run', 'step', 'epoch', 'rule', 'state', 'level', 'text'], rows, false);
}

// Every other metric, grouped by prefix; system metrics last.
var groups = {}, order = [];
allKeys.forEach(function (k) {
  if (used[k]) return;
  var slash = k.indexOf('/'), g = slash > 0 ? k.slice(0, slash) : '(no prefix)';
  if (!groups[g]) { groups[g] = []; order.push(g); }
  groups[g].push(k);
});
order.sort(function (a, b) { return (a === 'system') - (b === 'system') || (a < b ? -1 : a > b ? 1 : 0); });
el('h2', null, main, 'All metrics');
var allSec = el('section', {id: 'metrics'}, main);
if (!order.length) el('p', {'class': 'empty'}, allSec, 'Every metric is shown in the panels above.');
order.forEach(function (g) {
  var sec = el('section', {'class': 'group', 'data-group': g}, allSec);
  el('h3', null, sec, (g === 'system' ? 'System metrics' : g) + ' (' + groups[g].length + ')');
  var gr = el('div', {'class': 'grid'}, sec);
  groups[g].forEach(function (k) { chart(gr, k); });
});
if (allHists.length) {
  el('h2', null, main, 'Histograms over time');
  var hs = el('section', {id: 'histograms', 'class': 'grid'}, main);
  allHists.forEach(function (k) { histChart(hs, k); });
}
el('h2', null, main, 'Summary');
keyTable(el('section', {id: 'summary'}, main), function (r) { return r.summary; }, false);
el('h2', null, main, 'Config');
keyTable(el('section', {id: 'config'}, main), function (r) { return r.config; }, true);
if (RUNS.some(function (r) { return r.metadata; })) {
  el('h2', null, main, 'Metadata');
  var md = el('details', null, el('section', {id: 'metadata'}, main));
  el('summary', null, md, 'metadata.json');
  keyTable(md, function (r) { return r.metadata; }, false);
}
var ms = (window.performance && performance.now) ? performance.now() - t0 : 0;
document.documentElement.setAttribute('data-render-ms', ms.toFixed(1));
// Since navigation start: reading and parsing the file plus the script.
document.documentElement.setAttribute('data-load-ms', ((window.performance && performance.now) ? performance.now() : 0).toFixed(1));
document.documentElement.setAttribute('data-rendered', '1');
// The first frame painted with every chart (two animation frames later), since navigation start.
if (window.requestAnimationFrame) requestAnimationFrame(function () { requestAnimationFrame(function () {
  document.documentElement.setAttribute('data-paint-ms', performance.now().toFixed(1));
}); });
})();
)JS";

}  // namespace vitals::report::detail
