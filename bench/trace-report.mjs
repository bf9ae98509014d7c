// Reads a statement trace (bench/statement-trace.cjs) and prints where the statements went: the transactions by
// what they did (named by their most frequent statement), with their count, statements and duration, then the
// statements by text. It shows how many statements a subscriber's batch sends per message, and how long it stays open.
//
//   node bench/trace-report.mjs trace.txt [confirmed journeys in the window]
import { readFileSync } from 'node:fs';

const [file, journeysArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bench/trace-report.mjs <trace file> [confirmed journeys in the window]');
  process.exit(2);
}
const journeys = Number(journeysArg ?? 0);
const statements = readFileSync(file, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => {
    const [at, backend, ...text] = line.split(' ');
    return { at: Number(at), backend, text: text.join(' ') };
  });

const KEY_LENGTH = 60;
const open = new Map();
const transactions = [];
for (const { at, backend, text } of statements) {
  if (text.startsWith('begin')) {
    open.set(backend, { start: at, texts: [] });
    continue;
  }
  const transaction = open.get(backend);
  if (!transaction) continue;
  if (text === 'commit' || text === 'rollback') {
    transactions.push({ ms: at - transaction.start, texts: transaction.texts });
    open.delete(backend);
  } else transaction.texts.push(text.slice(0, KEY_LENGTH));
}

const mostFrequent = (texts) => {
  const counts = new Map();
  for (const text of texts) counts.set(text, (counts.get(text) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1])[0] ?? ['(empty)', 0];
};
const kinds = new Map();
for (const { ms, texts } of transactions) {
  const [name, times] = mostFrequent(texts);
  const kind = kinds.get(name) ?? { count: 0, statements: 0, ms: 0, maxMs: 0, repeats: 0 };
  kinds.set(name, {
    count: kind.count + 1,
    statements: kind.statements + texts.length + 2,
    ms: kind.ms + ms,
    maxMs: Math.max(kind.maxMs, ms),
    repeats: kind.repeats + times,
  });
}

const first = statements[0]?.at ?? 0;
const seconds = ((statements.at(-1)?.at ?? 0) - first) / 1000;
console.log(
  `${statements.length} statements in ${seconds.toFixed(1)} s, ${transactions.length} transactions begun and ended in the window`,
);
console.log('\ntransactions, by their most frequent statement (× how often it ran in each, on average):');
console.log('count  statements  mean ms  max ms  most frequent statement');
for (const [name, kind] of [...kinds].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25)) {
  const line = [
    String(kind.count).padStart(5),
    (kind.statements / kind.count).toFixed(1).padStart(11),
    (kind.ms / kind.count).toFixed(1).padStart(8),
    kind.maxMs.toFixed(0).padStart(7),
    ` ${(kind.repeats / kind.count).toFixed(1)}× ${name}`,
  ];
  console.log(line.join(' '));
}

const byText = new Map();
for (const { text } of statements) byText.set(text.slice(0, KEY_LENGTH), (byText.get(text.slice(0, KEY_LENGTH)) ?? 0) + 1);
console.log(`\nstatements by text${journeys > 0 ? ', per confirmed journey' : ''}:`);
for (const [text, count] of [...byText].sort((a, b) => b[1] - a[1]).slice(0, 25)) {
  console.log(`${(journeys > 0 ? count / journeys : count).toFixed(journeys > 0 ? 1 : 0).padStart(8)}  ${text}`);
}
