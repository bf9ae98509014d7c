// Renders bench/results/*.json as an SVG bar chart: throughput per scenario and its latency percentiles.
//   node bench/chart.mjs checkout docs/checkout-benchmark.svg
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

const [scenario = 'checkout', out = `docs/${scenario}-benchmark.svg`] = process.argv.slice(2);
const dir = new URL('./results/', import.meta.url);
const results = readdirSync(dir)
  .filter((f) => f.startsWith(`${scenario}-`) && f.endsWith('.json'))
  .map((f) => JSON.parse(readFileSync(new URL(f, dir), 'utf8')))
  .sort((a, b) => (a.shoppers ?? a.connections ?? 0) - (b.shoppers ?? b.connections ?? 0));
if (results.length === 0) throw new Error(`no results for ${scenario} in bench/results/`);

const W = 720,
  H = 320,
  pad = 50,
  groupW = (W - 2 * pad) / results.length;
const maxRate = Math.max(...results.map((r) => r.confirmedPerSecond ?? r.requestsPerSecond));
const maxLat = Math.max(...results.map((r) => r.p99Ms));
const bars = [];
results.forEach((r, i) => {
  const x0 = pad + i * groupW + 10;
  const rate = r.confirmedPerSecond ?? r.requestsPerSecond;
  const series = [
    { v: rate, max: maxRate, color: '#2b6cb0', label: `${rate}/s` },
    { v: r.p50Ms, max: maxLat, color: '#9ae6b4', label: `p50 ${r.p50Ms}ms` },
    { v: r.p95Ms, max: maxLat, color: '#f6ad55', label: `p95 ${r.p95Ms}ms` },
    { v: r.p99Ms, max: maxLat, color: '#fc8181', label: `p99 ${r.p99Ms}ms` },
  ];
  const bw = (groupW - 30) / series.length;
  series.forEach((s, j) => {
    const h = s.max ? ((H - 2 * pad) * s.v) / s.max : 0;
    const x = x0 + j * bw;
    bars.push(`<rect x="${x}" y="${H - pad - h}" width="${bw - 4}" height="${h}" fill="${s.color}"/>`);
    bars.push(`<text x="${x + (bw - 4) / 2}" y="${H - pad - h - 4}" font-size="10" text-anchor="middle">${s.label}</text>`);
  });
  bars.push(
    `<text x="${x0 + (groupW - 30) / 2}" y="${H - pad + 16}" font-size="12" text-anchor="middle">${r.shoppers ?? r.connections} ${r.shoppers ? 'shoppers' : 'connections'}</text>`,
  );
});
const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="${W / 2}" y="24" font-size="15" text-anchor="middle">${scenario}: throughput (blue, per second) and latency percentiles</text>
<line x1="${pad}" y1="${H - pad}" x2="${W - pad}" y2="${H - pad}" stroke="#333"/>
${bars.join('\n')}
</svg>
`;
writeFileSync(out, svg);
console.log(`wrote ${out}`);
