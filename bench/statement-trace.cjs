// Records every statement the server sends to PostgreSQL, with its connection and time, for a window of a run:
// preload it into the server, run a benchmark, then read the file with bench/trace-report.mjs.
//
//   npm run build && STATEMENT_TRACE_FILE=trace.txt RATE_LIMITS=off npx node --require ./bench/statement-trace.cjs dist/app/monolith.main.js
//
// STATEMENT_TRACE_AFTER_S (default 10) is when the window opens after the server starts, STATEMENT_TRACE_FOR_S
// (default 2) how long it stays open. Each line: milliseconds, the backend's process id, the statement's first 120
// characters on one line. Without STATEMENT_TRACE_FILE it changes nothing.
'use strict';
const { writeFileSync } = require('node:fs');

const file = process.env.STATEMENT_TRACE_FILE;
if (file) {
  const pg = require('pg');
  const afterMs = Number(process.env.STATEMENT_TRACE_AFTER_S ?? 10) * 1000;
  const forMs = Number(process.env.STATEMENT_TRACE_FOR_S ?? 2) * 1000;
  const lines = [];
  let recording = false;
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function traced(config, values, callback) {
    const text = typeof config === 'string' ? config : config?.text;
    if (recording && text)
      lines.push(`${performance.now().toFixed(1)} ${this.processID} ${text.replace(/\s+/g, ' ').trim().slice(0, 120)}`);
    return query.call(this, config, values, callback);
  };
  setTimeout(() => {
    recording = true;
    setTimeout(() => {
      recording = false;
      writeFileSync(file, `${lines.join('\n')}\n`);
      process.stderr.write(`statement trace: ${lines.length} statements in ${forMs / 1000} s written to ${file}\n`);
    }, forMs).unref();
  }, afterMs).unref();
}
