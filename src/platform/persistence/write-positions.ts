import type { Redis } from 'ioredis';

/**
 * A position in PostgreSQL's write-ahead log as a number, from its text form (`16/B374D848`: the high and low 32 bits
 * in hexadecimal). Positions of one cluster and its streaming replicas compare as numbers.
 */
export const walPosition = (text: string): bigint => {
  const [high, low] = text.split('/');
  return (BigInt(`0x${high}`) << 32n) + BigInt(`0x${low}`);
};

/** Beyond every real position: remembered when a writer's true position could not be read, so nothing counts as past it. */
export const BEYOND_EVERY_POSITION = (1n << 64n) - 1n;

/**
 * How long a customer's last write position is remembered. A replica lagging further behind than this could show that
 * customer an older state again: by then it is failing its purpose, and its lag is what to alert on.
 */
export const WRITE_POSITION_TTL_MS = 5 * 60_000;

/**
 * The log position each user's latest write reached, kept for `WRITE_POSITION_TTL_MS`: what a read on their behalf
 * must see. Only the highest position of a user is kept. `recall` answers `BEYOND_EVERY_POSITION` when it cannot tell
 * (the store is unreachable): the caller then reads the primary, which is always up to date.
 */
export abstract class WritePositions {
  abstract remember(userId: string, position: bigint): Promise<void>;
  /** The position to wait for before reading for `userId` from a replica; undefined when they wrote nothing recently. */
  abstract recall(userId: string): Promise<bigint | undefined>;
}

/** How often expired positions are swept out of memory, at the next write after it. */
const SWEEP_EVERY_MS = 60_000;

/** Positions in this process: enough for one instance; several instances share them through Redis (`RedisWritePositions`). */
export class InProcessWritePositions extends WritePositions {
  private readonly positions = new Map<string, { position: bigint; expiresAt: number }>();
  private nextSweepAt: number;

  constructor(
    private readonly ttlMs = WRITE_POSITION_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {
    super();
    this.nextSweepAt = now() + SWEEP_EVERY_MS;
  }

  async remember(userId: string, position: bigint): Promise<void> {
    this.rememberNow(userId, position);
  }

  async recall(userId: string): Promise<bigint | undefined> {
    return this.recallNow(userId);
  }

  rememberNow(userId: string, position: bigint): void {
    const now = this.now();
    if (now >= this.nextSweepAt) this.sweep(now);
    const known = this.recallNow(userId);
    this.positions.set(userId, { position: known !== undefined && known > position ? known : position, expiresAt: now + this.ttlMs });
  }

  recallNow(userId: string): bigint | undefined {
    const entry = this.positions.get(userId);
    return entry && entry.expiresAt > this.now() ? entry.position : undefined;
  }

  private sweep(now: number): void {
    for (const [userId, entry] of this.positions) if (entry.expiresAt <= now) this.positions.delete(userId);
    this.nextSweepAt = now + SWEEP_EVERY_MS;
  }
}

/** A position as 16 hexadecimal digits: the form kept in Redis, which the script below compares in two 32-bit halves. */
const hex16 = (position: bigint): string => position.toString(16).padStart(16, '0');

/** Keeps the higher of the stored and the given position (Lua numbers hold 32 bits exactly), and renews the expiry. */
const REMEMBER_HIGHEST = `
local stored = redis.call('GET', KEYS[1])
local function higher(a, b)
  local a1, b1 = tonumber(string.sub(a, 1, 8), 16), tonumber(string.sub(b, 1, 8), 16)
  if a1 ~= b1 then return a1 > b1 end
  return tonumber(string.sub(a, 9, 16), 16) > tonumber(string.sub(b, 9, 16), 16)
end
if stored and string.len(stored) == 16 and not higher(ARGV[1], stored) then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
else
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
end
return 1`;

/**
 * Positions in Redis, so a read served by any instance knows of a write served by another. Each position is also kept
 * in this process: a write whose position Redis did not take (it was down) is still seen by this instance's reads. A
 * read that cannot ask Redis answers `BEYOND_EVERY_POSITION` (another instance may know of a write).
 */
export class RedisWritePositions extends WritePositions {
  private readonly local: InProcessWritePositions;

  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly ttlMs = WRITE_POSITION_TTL_MS,
    now: () => number = Date.now,
    private readonly onFailure: (error: unknown) => void = () => undefined,
  ) {
    super();
    this.local = new InProcessWritePositions(ttlMs, now);
  }

  async remember(userId: string, position: bigint): Promise<void> {
    this.local.rememberNow(userId, position);
    try {
      await this.redis.eval(REMEMBER_HIGHEST, 1, this.key(userId), hex16(position), String(this.ttlMs));
    } catch (error) {
      this.onFailure(error);
    }
  }

  async recall(userId: string): Promise<bigint | undefined> {
    const local = this.local.recallNow(userId);
    let stored: string | null;
    try {
      stored = await this.redis.get(this.key(userId));
    } catch (error) {
      this.onFailure(error);
      return BEYOND_EVERY_POSITION;
    }
    const shared = stored && /^[0-9a-f]{16}$/.test(stored) ? BigInt(`0x${stored}`) : undefined;
    if (shared === undefined) return local;
    return local !== undefined && local > shared ? local : shared;
  }

  private key(userId: string): string {
    return `${this.keyPrefix}write-position:${userId}`;
  }
}
