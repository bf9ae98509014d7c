import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { blankToUndefined } from '../settings';

/**
 * The network a client address stands for when requests or failed logins are counted per address: an IPv4 address itself (an
 * IPv4-mapped IPv6 address counts as its IPv4 address), an IPv6 address's /64. One subscriber usually gets a whole
 * /64 and can pick a new address in it for every request, so counting single IPv6 addresses would limit nobody.
 */
export const addressSubject = (address: string): string => {
  if (!ipaddr.isValid(address)) return address;
  const parsed = ipaddr.process(address);
  if (parsed.kind() === 'ipv4') return parsed.toString();
  return `${new ipaddr.IPv6([...(parsed as ipaddr.IPv6).parts.slice(0, 4), 0, 0, 0, 0]).toRFC5952String()}/64`;
};

/** Names proxy-addr (Fastify's trustProxy) knows: loopback, link-local and private ranges. */
const PROXY_RANGE_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

/**
 * `TRUSTED_PROXIES` (part of the config's schema): the proxies whose X-Forwarded-For is believed, as addresses, CIDR
 * ranges or proxy-addr's range names, comma-separated; none by default.
 */
export const TRUSTED_PROXIES_SETTING = z.preprocess(
  blankToUndefined,
  z
    .string()
    .default('')
    .transform((text) =>
      text
        .split(',')
        .map((entry) => entry.trim())
        .filter(Boolean),
    )
    .refine((entries) => entries.every((e) => PROXY_RANGE_NAMES.includes(e) || ipaddr.isValid(e) || ipaddr.isValidCIDR(e)), {
      message: `must be a comma-separated list of IP addresses, CIDR ranges or ${PROXY_RANGE_NAMES.join(', ')}`,
    }),
);

/**
 * The request carries X-Forwarded-For but came straight from an address that is not a trusted proxy, so the header
 * was ignored. `ips` is Fastify's `request.ips`: the connection's address followed by each hop it trusted (absent when
 * no proxy is trusted at all).
 */
export const forwardedByUntrustedPeer = (request: { headers: Record<string, unknown>; ips?: readonly string[] }): boolean =>
  request.headers['x-forwarded-for'] !== undefined && (request.ips?.length ?? 1) < 2;
