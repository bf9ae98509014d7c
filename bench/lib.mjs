// Helpers shared by the benchmarks.

/**
 * Stops a benchmark against a server that limits request rates: every load generator here sends from one address
 * and would measure 429s. Limited routes answer RateLimit-* headers; a suggestion for a new random word is never
 * answered from the read cache, so it always reaches the limit.
 */
export const requireUnlimitedServer = async (baseUrl) => {
  const res = await fetch(`${baseUrl}/api/v1/search/suggest?q=bench${Math.random().toString(36).slice(2, 8)}`);
  if (res.headers.has('ratelimit-limit')) {
    throw new Error('the server limits request rates: start it with RATE_LIMITS=off to benchmark it (see docs/benchmarks.md)');
  }
};

/** Nearest-rank percentile of an ascending array. */
export const percentile = (sorted, p) =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

/** A one-line progress bar on stderr, redrawn every second until stop(). */
export const progress = (totalSeconds, label) => {
  const started = Date.now();
  const draw = () => {
    const elapsed = Math.min(totalSeconds, (Date.now() - started) / 1000);
    const width = 30;
    const filled = Math.round((elapsed / totalSeconds) * width);
    process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${elapsed.toFixed(0)}/${totalSeconds}s ${label()}   `);
  };
  const timer = setInterval(draw, 1000);
  return {
    stop: () => {
      clearInterval(timer);
      draw();
      process.stderr.write('\n');
    },
  };
};
