import { describe, expect, it } from 'vitest';
import { forwardingHeaders } from './forwarding-headers';

describe('forwarding headers', () => {
  const request = { id: 'req-1', ip: '203.0.113.9', protocol: 'https' as const, host: 'shop.example' };

  it("replace the client's forwarding headers with what the gateway settled on, and keep the rest", () => {
    const forwarded = forwardingHeaders(request, {
      authorization: 'Bearer t',
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      'x-request-id': 'from-client',
      'x-forwarded-for': '10.0.0.1, 198.51.100.1',
      forwarded: 'for=10.0.0.1',
    });
    expect(forwarded).toEqual({
      authorization: 'Bearer t',
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      'x-request-id': 'req-1',
      'x-forwarded-for': '203.0.113.9',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'shop.example',
    });
  });
});
