import { describe, expect, it } from 'vitest';
import { Address, AddressBookFull, admitAddress, MAX_ADDRESSES, reviseAddress } from './address';

const home: Address = {
  id: 'a1',
  name: 'Ada Lovelace',
  line1: '12 St James Square',
  line2: 'Flat 2',
  city: 'London',
  postalCode: 'SW1Y 4JH',
  country: 'GB',
  phone: '+44 20 7946 0000',
  isDefault: false,
};

describe('admitAddress', () => {
  it('makes the first address the default', () =>
    expect(admitAddress({ count: 0, hasDefault: false }, undefined)).toEqual({ isDefault: true }));

  it('keeps the current default unless asked', () => {
    expect(admitAddress({ count: 3, hasDefault: true }, undefined)).toEqual({ isDefault: false });
    expect(admitAddress({ count: 3, hasDefault: true }, true)).toEqual({ isDefault: true });
    expect(admitAddress({ count: 0, hasDefault: false }, false)).toEqual({ isDefault: false });
  });

  it(`refuses the ${MAX_ADDRESSES + 1}th address`, () => {
    expect(admitAddress({ count: MAX_ADDRESSES - 1, hasDefault: true }, undefined)).toEqual({ isDefault: false });
    expect(() => admitAddress({ count: MAX_ADDRESSES, hasDefault: true }, undefined)).toThrow(AddressBookFull);
  });
});

describe('reviseAddress', () => {
  it('changes the given fields and keeps the others', () =>
    expect(reviseAddress(home, { city: 'Bath', isDefault: true })).toEqual({ ...home, city: 'Bath', isDefault: true }));

  it('clears optional fields given as null', () => {
    const revised = reviseAddress(home, { line2: null, phone: null });
    expect(revised).not.toHaveProperty('line2');
    expect(revised).not.toHaveProperty('phone');
    expect(revised.line1).toBe(home.line1);
  });

  it('never changes the id', () => expect(reviseAddress(home, { name: 'A' }).id).toBe('a1'));
});
