// Helpers shared by the benchmarks.

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
