import { describe, expect, it } from 'vitest';
import { claimantsOf, ownerOf, UnownedRoute } from './route-table';

describe('route ownership', () => {
  it('goes to the longest prefix that covers the route, segment by segment', () => {
    expect(ownerOf('/api/v1/products/{id}')).toBe('catalog');
    expect(ownerOf('/api/v1/products/{id}/variants/{sku}')).toBe('catalog');
    expect(ownerOf('/api/v1/products/{id}/reviews')).toBe('reviews');
    expect(ownerOf('/api/v1/admin/orders')).toBe('ordering');
    expect(ownerOf('/health/ready')).toBe('gateway');
  });

  it('matches whole segments only: a prefix never claims a longer name that starts like it', () => {
    expect(ownerOf('/api/v1/shipping/webhooks/sandbox')).toBe('shipping');
    expect(claimantsOf('/api/v1/shipping-methods/{code}').map((c) => c.prefix)).toEqual(['/api/v1/shipping-methods']);
    expect(claimantsOf('/api/v1/meetings')).toEqual([]);
  });

  it('lets a parameter of a prefix stand for any one segment', () => {
    const table = [{ prefix: '/api/v1/things/{id}/parts', owner: 'inventory' as const }];
    expect(claimantsOf('/api/v1/things/42/parts/{part}', table)).toEqual(table);
    expect(claimantsOf('/api/v1/things', table)).toEqual([]);
  });

  it('refuses a route nobody owns, or two entries of the same length claim', () => {
    expect(() => ownerOf('/api/v1/unknown')).toThrow(UnownedRoute);
    const ambiguous = [
      { prefix: '/api/v1/things/{id}', owner: 'catalog' as const },
      { prefix: '/api/v1/things/special', owner: 'reviews' as const },
    ];
    expect(claimantsOf('/api/v1/things/special', ambiguous)).toHaveLength(2);
    expect(new UnownedRoute('GET /api/v1/things/special', ambiguous).message).toContain(
      'claimed by /api/v1/things/{id} and /api/v1/things/special',
    );
  });
});
