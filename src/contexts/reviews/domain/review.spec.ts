import { describe, expect, it } from 'vitest';
import { AlreadyReviewed, hide, post, PurchaseRequired, ratingOf, type Review } from './review';

const now = new Date('2026-05-01T10:00:00Z');
const cmd = {
  reviewId: 'r1',
  productId: 'p1',
  customerId: 'c1',
  deliveredOrderId: 'o1',
  rating: 4,
  text: 'Sturdy mug, keeps tea hot.',
  now,
};
const review: Review = { id: 'r1', productId: 'p1', customerId: 'c1', rating: 4, text: 'Sturdy mug.', hidden: false };

describe('reviews', () => {
  it('records a verified-purchase review with the order that proves it', () => {
    expect(post(null, cmd)).toEqual({
      type: 'ReviewPosted',
      data: {
        reviewId: 'r1',
        productId: 'p1',
        customerId: 'c1',
        orderId: 'o1',
        rating: 4,
        text: 'Sturdy mug, keeps tea hot.',
        postedAt: now.toISOString(),
      },
    });
  });

  it('needs a delivered order with the product', () => {
    expect(() => post(null, { ...cmd, deliveredOrderId: null })).toThrow(PurchaseRequired);
  });

  it('allows one review per customer and product', () => {
    expect(() => post(review, cmd)).toThrow(AlreadyReviewed);
  });

  it.each([0, 6, 3.5, Number.NaN])('refuses the rating %s', (rating) => {
    expect(() => post(null, { ...cmd, rating })).toThrow(expect.objectContaining({ code: 'reviews.invalid_rating' }));
  });

  it.each([
    ['too short', 'meh'],
    ['blank', '            '],
    ['too long', 'x'.repeat(2001)],
    ['with an escape sequence', 'Great mug \u001b[31mbuy here\u001b[0m'],
    ['with a bidirectional override', 'Great mug \u202Eevil text'],
    ['with a lone carriage return', 'Great mug\rreally'],
  ])('refuses a text that is %s', (_, text) => {
    expect(() => post(null, { ...cmd, text })).toThrow(expect.objectContaining({ code: 'reviews.invalid_text' }));
  });

  it('keeps a text in NFC with LF line breaks', () => {
    const posted = post(null, { ...cmd, text: ' Cafe\u0301 mug.\r\nKeeps tea hot. ' });
    expect(posted.data.text).toBe('Caf\u00E9 mug.\nKeeps tea hot.');
  });

  it('hides once', () => {
    expect(hide(review, { reason: 'spam', now })).toHaveLength(1);
    expect(hide({ ...review, hidden: true }, { now })).toEqual([]);
  });

  it('averages visible ratings to two decimals', () => {
    expect(ratingOf(0, 0)).toEqual({ average: 0, count: 0 });
    expect(ratingOf(3, 13)).toEqual({ average: 4.33, count: 3 });
  });
});
