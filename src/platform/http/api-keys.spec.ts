import { describe, expect, it } from 'vitest';
import { API_KEY_FORMAT, API_KEY_SCOPE, apiKeyUser, judgeApiKeyRequest, requiredScope } from './api-keys';

describe('API key scopes', () => {
  it('need <resource>:read for GET and HEAD and <resource>:write for every other method', () => {
    expect(requiredScope('GET', '/api/v1/orders/:id')).toEqual({ resource: 'orders', scope: 'orders:read' });
    expect(requiredScope('HEAD', '/api/v1/orders')).toEqual({ resource: 'orders', scope: 'orders:read' });
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE'])
      expect(requiredScope(method, '/api/v1/inventory/:sku')?.scope).toBe('inventory:write');
    expect(requiredScope('GET', '/health')).toBeNull();
  });

  it('allow a request only with its exact scope; write does not imply read', () => {
    expect(judgeApiKeyRequest(['orders:read'], 'GET', '/api/v1/orders')).toBe('allowed');
    expect(judgeApiKeyRequest(['orders:read'], 'POST', '/api/v1/orders/:id/ship')).toBe('missing_scope');
    expect(judgeApiKeyRequest(['orders:write'], 'GET', '/api/v1/orders')).toBe('missing_scope');
    expect(judgeApiKeyRequest(['orders:read'], 'GET', '/api/v1/products')).toBe('missing_scope');
    expect(judgeApiKeyRequest(['orders:read'], 'GET', '/metrics')).toBe('missing_scope');
  });

  it('never open customer resources, whatever the scopes', () => {
    for (const path of ['/api/v1/me', '/api/v1/me/addresses/:id', '/api/v1/cart/items', '/api/v1/checkout']) {
      expect(judgeApiKeyRequest(['me:read', 'me:write', 'cart:read', 'cart:write', 'checkout:write'], 'GET', path)).toBe('customer_only');
    }
  });

  it('accept only well-formed scopes and keys', () => {
    expect(['orders:read', 'shipping-methods:write', 'admin:read'].every((s) => API_KEY_SCOPE.test(s))).toBe(true);
    expect(['orders', 'orders:delete', 'Orders:read', '*:read', 'orders:read '].some((s) => API_KEY_SCOPE.test(s))).toBe(false);
    expect(API_KEY_FORMAT.test(`ok_${'A'.repeat(43)}`)).toBe(true);
    expect(API_KEY_FORMAT.test(`ok_${'A'.repeat(42)}`)).toBe(false);
    expect(API_KEY_FORMAT.test(`xx_${'A'.repeat(43)}`)).toBe(false);
  });

  it('make a key a staff principal with an id of its own', () =>
    expect(apiKeyUser({ keyId: 'k1', scopes: ['orders:read'] })).toEqual({
      id: 'apikey:k1',
      email: '',
      role: 'staff',
      apiKey: { id: 'k1', scopes: ['orders:read'] },
    }));
});
