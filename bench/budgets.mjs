// The checkout's budgets: what one confirmed journey may cost the database, and what an idle server may cost it.
import { SETTLE_AFTER_WRITES_MS } from './pg-counters.mjs';

/** Targets per confirmed checkout journey. */
export const JOURNEY_BUDGETS = { events: 12, rowsWritten: 40, walBytes: 20 * 1024, writeTransactions: 8 };
/** Targets for an idle server. */
export const IDLE_BUDGETS = { walBytes: 0, transactionsPerSecond: 2 };

// backends flush their pg_stat_database counts at most once a second
const STATS_FLUSH_MS = 1_500;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
const round1 = (x) => Math.round(x * 10) / 10;

/**
 * Reads the counters once the run is over: waits for the log to go quiet and the counts to be flushed, then takes the
 * window's end; with idleSeconds > 0, measures the idle server over that many seconds once the counters are at rest
 * (the run's last counts and PostgreSQL's own record after it would otherwise show as idle work).
 */
export const measureDatabase = async (counters, windowStart, { confirmed, idleSeconds }) => {
  const start = await windowStart;
  const settled = await counters.untilLogQuiet();
  const quietAt = performance.now();
  await sleep(STATS_FLUSH_MS);
  const end = await counters.snapshot();
  const window = await counters.between(start, end, { withEvents: true });
  const per = (x) => (confirmed > 0 ? round1(x / confirmed) : null);
  const perJourney = {
    confirmed,
    windowSeconds: round1(window.seconds),
    logSettled: settled,
    events: per(window.events),
    rowsWritten: per(window.rowsWritten),
    walBytes: per(window.walBytes),
    writeTransactions: per(window.writeTransactions),
    transactions: per(window.commits),
  };
  if (!(idleSeconds > 0)) return { perJourney, idle: null };
  await sleep(quietAt + SETTLE_AFTER_WRITES_MS - performance.now());
  const idleStart = await counters.snapshot();
  await sleep(idleSeconds * 1000);
  const idleEnd = await counters.snapshot();
  const quiet = await counters.between(idleStart, idleEnd);
  const idle = {
    seconds: round1(quiet.seconds),
    transactionsPerSecond: round1(quiet.commits / quiet.seconds),
    writeTransactionsPerSecond: round1(quiet.writeTransactions / quiet.seconds),
    walBytes: quiet.walBytes,
  };
  return { perJourney, idle };
};

const mark = (value, budget) => (value === null ? '' : value <= budget ? '✓' : '✗');
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;

/** The budgets beside their targets, one line each. */
export const formatBudgets = ({ perJourney: j, idle }) => {
  const lines = [];
  if (j.confirmed === 0) {
    lines.push('per checkout journey: no confirmed journey in the window, nothing to divide by');
  } else {
    const row = (label, shown, target, value, budget) =>
      `  ${label.padEnd(24)}${shown.padStart(10)}   ${target.padEnd(9)}${mark(value, budget)}`;
    lines.push(
      `per checkout journey (PostgreSQL's counters, ${j.confirmed} confirmed journeys, ${j.windowSeconds} s):`,
      row('events appended', String(j.events), '≤ 12', j.events, JOURNEY_BUDGETS.events),
      row('rows written', String(j.rowsWritten), '≤ 40', j.rowsWritten, JOURNEY_BUDGETS.rowsWritten),
      row('WAL', kb(j.walBytes), '≤ 20 KB', j.walBytes, JOURNEY_BUDGETS.walBytes),
      row('write transactions', String(j.writeTransactions), '≤ 8', j.writeTransactions, JOURNEY_BUDGETS.writeTransactions),
      `  ${'all transactions'.padEnd(24)}${String(j.transactions).padStart(10)}   (reads included)`,
    );
    if (!j.logSettled) lines.push('  (the log still grew 15 s after the shoppers stopped: the figures miss the tail)');
  }
  if (idle) {
    const tx = `${idle.transactionsPerSecond} transactions/s (≤ 2 ${mark(idle.transactionsPerSecond, IDLE_BUDGETS.transactionsPerSecond)})`;
    const wal = `${idle.walBytes} bytes of WAL (0 ${mark(idle.walBytes, IDLE_BUDGETS.walBytes)})`;
    lines.push(`idle over ${idle.seconds} s: ${tx}, ${wal}`);
  }
  return lines.join('\n');
};
