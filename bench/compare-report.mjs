// The table of a bench/compare.sh run: one row per build and round, from the results bench/checkout.mjs wrote; keeps
// them all in one file.
//   node bench/compare-report.mjs <results-dir> <out.json>     (COMPARE_REF and COMPARE_WORK name the builds)
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [dir, out] = process.argv.slice(2);
if (!dir || !out) throw new Error('usage: node bench/compare-report.mjs <results-dir> <out.json>');
const builds = { ref: process.env.COMPARE_REF ?? 'ref', work: process.env.COMPARE_WORK ?? 'working tree' };

const runs = readdirSync(dir)
  .map((file) => /^(ref|work)-(\d+)\.json$/.exec(file))
  .filter(Boolean)
  .map(([file, build, round]) => ({ build, round: Number(round), ...JSON.parse(readFileSync(join(dir, file), 'utf8')) }))
  .sort((a, b) => a.build.localeCompare(b.build) || a.round - b.round);

const columns = [
  ['build', (r) => r.build],
  ['round', (r) => r.round],
  ['confirmed/s', (r) => r.confirmedPerSecond],
  ['p50 ms', (r) => r.p50Ms],
  ['p99 ms', (r) => r.p99Ms],
  ['events', (r) => r.perJourney?.events],
  ['rows', (r) => r.perJourney?.rowsWritten],
  ['WAL KB', (r) => (r.perJourney?.walBytes == null ? undefined : (r.perJourney.walBytes / 1024).toFixed(1))],
  ['write tx', (r) => r.perJourney?.writeTransactions],
  ['idle tx/s', (r) => r.idle?.transactionsPerSecond],
  ['idle WAL B', (r) => r.idle?.walBytes],
];
const rows = runs.map((r) => columns.map(([, value]) => String(value(r) ?? '–')));
const widths = columns.map(([title], i) => Math.max(title.length, ...rows.map((row) => row[i].length)));
const line = (cells) => `| ${cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join(' | ')} |`;

const first = runs[0];
console.log(`\ncheckout journey, ${first?.shoppers ?? '?'} shoppers, ${first?.durationS ?? '?'} s per run`);
console.log(`ref  = ${builds.ref}\nwork = ${builds.work}`);
console.log('per confirmed journey: events, rows written, WAL, write transactions; budgets ≤ 12, ≤ 40, ≤ 20 KB, ≤ 8');
console.log('idle: ≤ 2 transactions/s, 0 bytes of WAL\n');
console.log(line(columns.map(([title]) => title)));
console.log(line(widths.map((w) => '-'.repeat(w))));
for (const row of rows) console.log(line(row));
const missing = runs.filter((r) => r.budgetsNotMeasured);
for (const r of missing) console.log(`${r.build} round ${r.round}: budgets not measured: ${r.budgetsNotMeasured}`);

writeFileSync(out, JSON.stringify({ scenario: 'checkout-compare', builds, runs }, null, 2) + '\n');
console.log(`\nresults: ${out}`);
