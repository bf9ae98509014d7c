import ipaddr from 'ipaddr.js';

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
