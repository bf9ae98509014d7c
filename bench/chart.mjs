// Renders bench/results/<scenario>-*.json as an SVG: throughput per run on the left, latency percentiles on the right.
//   node bench/chart.mjs checkout docs/checkout-benchmark.svg
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

const [scenario = 'checkout', out = `docs/${scenario}-benchmark.svg`] = process.argv.slice(2);
const dir = new URL('./results/', import.meta.url);
const results = readdirSync(dir)
  .filter((f) => f.startsWith(`${scenario}-`) && f.endsWith('.json'))
  .map((f) => JSON.parse(readFileSync(new URL(f, dir), 'utf8')))
  .sort((a, b) => (a.shoppers ?? a.connections ?? 0) - (b.shoppers ?? b.connections ?? 0));
if (results.length === 0) throw new Error(`no results for ${scenario} in bench/results/`);

const W = 820;
const H = 340;
const top = 60;
const bottom = H - 50;
const label = (r) => `${r.shoppers ?? r.connections} ${r.shoppers ? 'shoppers' : 'connections'}`;
// results of one scenario at one load (catalog-list, catalog-search, …) carry a `label` naming their variant
const labelOf = (r) => r.label ?? label(r);
const rate = (r) => r.confirmedPerSecond ?? r.requestsPerSecond;
const unit = results[0].confirmedPerSecond !== undefined ? 'confirmed checkouts/s' : 'requests/s';
const svg = [];
const text = (x, y, s, size = 11, anchor = 'middle') =>
  svg.push(`<text x="${x}" y="${y}" font-size="${size}" text-anchor="${anchor}">${s}</text>`);
const bar = (x, w, value, max, color) => {
  const h = max ? ((bottom - top) * value) / max : 0;
  svg.push(`<rect x="${x}" y="${bottom - h}" width="${w}" height="${h}" fill="${color}"/>`);
  text(x + w / 2, bottom - h - 4, String(Math.round(value)), 11);
};

// left panel: throughput
const left = { x: 40, w: 300 };
const maxRate = Math.max(...results.map(rate)) * 1.15;
text(left.x + left.w / 2, 40, unit, 13);
results.forEach((r, i) => {
  const slot = left.w / results.length;
  const x = left.x + i * slot + slot * 0.25;
  bar(x, slot * 0.5, rate(r), maxRate, '#2b6cb0');
  text(x + slot * 0.25, bottom + 18, labelOf(r));
});

// right panel: latency percentiles of the journey
const right = { x: 420, w: 370 };
const series = [
  ['p50', 'p50Ms', '#68d391'],
  ['p95', 'p95Ms', '#f6ad55'],
  ['p99', 'p99Ms', '#fc8181'],
];
const maxLat = Math.max(...results.map((r) => r.p99Ms)) * 1.15;
text(right.x + right.w / 2, 40, 'latency, ms', 13);
results.forEach((r, i) => {
  const slot = right.w / results.length;
  const w = (slot * 0.8) / series.length;
  series.forEach(([, key, color], j) => bar(right.x + i * slot + slot * 0.1 + j * w, w - 3, r[key], maxLat, color));
  text(right.x + i * slot + slot / 2, bottom + 18, labelOf(r));
});
series.forEach(([name, , color], j) => {
  svg.push(`<rect x="${right.x + j * 60}" y="${H - 18}" width="10" height="10" fill="${color}"/>`);
  text(right.x + j * 60 + 14, H - 9, name, 11, 'start');
});

for (const panel of [left, right])
  svg.push(`<line x1="${panel.x}" y1="${bottom}" x2="${panel.x + panel.w}" y2="${bottom}" stroke="#333"/>`);
const title = `${scenario} benchmark (${results[0].node ?? ''})`;
writeFileSync(
  out,
  `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="${W / 2}" y="18" font-size="15" text-anchor="middle">${title}</text>
${svg.join('\n')}
</svg>
`,
);
console.log(`wrote ${out}`);
