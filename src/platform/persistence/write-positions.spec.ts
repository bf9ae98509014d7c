import { describe, expect, it } from 'vitest';
import { InProcessWritePositions, walPosition } from './write-positions';

describe('walPosition', () => {
  it('reads the high and low 32 bits of a log position', () => {
    expect(walPosition('0/16B3748')).toBe(0x16b3748n);
    expect(walPosition('16/B374D848')).toBe((0x16n << 32n) + 0xb374d848n);
  });

  it('orders positions across the 32-bit boundary as numbers', () => {
    expect(walPosition('1/0') > walPosition('0/FFFFFFFF')).toBe(true);
  });
});

describe('InProcessWritePositions', () => {
  it('recalls the highest position a user reached, until it expires', async () => {
    let now = 1_000;
    const positions = new InProcessWritePositions(100, () => now);
    await positions.remember('ada', 50n);
    await positions.remember('ada', 40n);
    expect(await positions.recall('ada')).toBe(50n);
    expect(await positions.recall('grace')).toBeUndefined();

    now += 100;
    expect(await positions.recall('ada')).toBeUndefined();
  });

  it('renews the expiry with every write', async () => {
    let now = 0;
    const positions = new InProcessWritePositions(100, () => now);
    await positions.remember('ada', 50n);
    now = 80;
    await positions.remember('ada', 10n);
    now = 150;
    expect(await positions.recall('ada')).toBe(50n);
  });
});
