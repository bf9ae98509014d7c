import { createHash } from 'node:crypto';
import type { CommandMeta } from '../../../platform/event-store/event-store';

/**
 * The meta of a command applied to one of our streams under a command id of its own (a name-based UUID of `source`
 * and the stream). The event store treats a command id as applied once across all streams: a caller that appends
 * to its own stream with the same meta after calling us must not find its command id taken by our append.
 */
export const metaForStream = (meta: CommandMeta, stream: string, source = meta.commandId): CommandMeta => {
  const h = createHash('sha1').update(`${source}\n${stream}`).digest('hex');
  const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  return { ...meta, commandId: `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}` };
};
