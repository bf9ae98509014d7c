type Entry = { generation: number; expiresAt: number; body: Buffer };

/**
 * How long a response is served from memory before it is recomputed when no change is seen by this process: what
 * bounds the staleness of other instances' writes (plus one recomputation) when their invalidation does not arrive.
 */
export const READ_CACHE_TTL_MS = 2_000;
/** Bounds what hostile callers can make it hold: many distinct queries evict the oldest entries. */
const MAX_ENTRIES = 5_000;
const MAX_BYTES = 32 * 1024 * 1024;

/**
 * Serialized responses of public catalog reads (product lists, product pages, search, suggestions, categories),
 * kept in this process as UTF-8 bytes (encoded once, sent as they are) and keyed by request URL. Every catalog change
 * this process commits (a write, an availability or rating copy) calls `invalidate()` after its commit, so the next
 * read of this instance sees it; `onInvalidate` listeners pass it on to the other instances, whose own changes arrive
 * through `applyRemoteInvalidation()`. A change whose announcement is lost shows within READ_CACHE_TTL_MS. A read that
 * began before an invalidation is never stored as current; concurrent misses of one key share one computation.
 */
export class CatalogReadCache {
  private readonly entries = new Map<string, Entry>();
  private readonly pending = new Map<string, { generation: number; body: Promise<Buffer> }>();
  private generation = 0;
  private bytes = 0;
  private hitCount = 0;
  private missCount = 0;
  private readonly invalidationListeners = new Set<() => void>();

  constructor(
    private readonly ttlMs = READ_CACHE_TTL_MS,
    private readonly now: () => number = Date.now,
    /** Told of every lookup, hit or miss (metrics). */
    private readonly onLookup: (hit: boolean) => void = () => undefined,
  ) {}

  /** The stored body for `key` if it is current, else undefined. */
  peek(key: string): Buffer | undefined {
    const entry = this.entries.get(key);
    if (!entry || entry.generation !== this.generation || entry.expiresAt <= this.now()) return undefined;
    this.counted(true);
    return entry.body;
  }

  /**
   * The cached body for `key`, or the one `compute` builds (stored unless the catalog changed meanwhile). An entry
   * past its time-to-live but from the current generation (no change seen here since) is still answered while one
   * refresh runs in the background, so callers never queue behind a recomputation that only the TTL asked for.
   */
  async get(key: string, compute: () => Promise<string>, ttlMs = this.ttlMs): Promise<Buffer> {
    const cached = this.peek(key);
    if (cached !== undefined) return cached;
    const entry = this.entries.get(key);
    if (entry && entry.generation === this.generation) {
      this.counted(true);
      this.refresh(key, compute, ttlMs).catch(() => undefined);
      return entry.body;
    }
    this.counted(false);
    return this.refresh(key, compute, ttlMs);
  }

  private counted(hit: boolean): void {
    if (hit) this.hitCount++;
    else this.missCount++;
    this.onLookup(hit);
  }

  private async refresh(key: string, compute: () => Promise<string>, ttlMs: number): Promise<Buffer> {
    const generation = this.generation;
    const running = this.pending.get(key);
    if (running && running.generation === generation) return running.body;
    const body = compute().then((text) => Buffer.from(text, 'utf8'));
    this.pending.set(key, { generation, body });
    try {
      const bytes = await body;
      if (generation === this.generation) this.store(key, { generation, expiresAt: this.now() + ttlMs, body: bytes });
      return bytes;
    } finally {
      if (this.pending.get(key)?.body === body) this.pending.delete(key);
    }
  }

  /** Forgets every stored response; call after a catalog change has committed in this process. */
  invalidate(): void {
    this.forget();
    for (const listener of [...this.invalidationListeners]) listener();
  }

  /** Forgets every stored response because another instance committed a catalog change (not passed on again). */
  applyRemoteInvalidation(): void {
    this.forget();
  }

  /** Calls `listener` after every `invalidate()` (not after remote ones); returns how to stop. */
  onInvalidate(listener: () => void): () => void {
    this.invalidationListeners.add(listener);
    return () => this.invalidationListeners.delete(listener);
  }

  private forget(): void {
    this.generation++;
    this.entries.clear();
    this.pending.clear();
    this.bytes = 0;
  }

  stats(): { hits: number; misses: number; entries: number } {
    return { hits: this.hitCount, misses: this.missCount, entries: this.entries.size };
  }

  /** Oldest-inserted entries go first (Map iteration order) while a bound would be passed. */
  private store(key: string, entry: Entry): void {
    this.remove(key);
    for (const oldest of this.entries.keys()) {
      if (this.entries.size < MAX_ENTRIES && this.bytes + entry.body.length <= MAX_BYTES) break;
      this.remove(oldest);
    }
    this.entries.set(key, entry);
    this.bytes += entry.body.length;
  }

  private remove(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.bytes -= entry.body.length;
  }
}
