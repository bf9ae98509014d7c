import { describe, expect, it } from 'vitest';
import type { RecordedEvent } from '../../../platform/event-store/event-store';
import { toIntegrationEvent } from './to-integration-events';

const recorded = (type: string, data: object, stream = 'identity.user-u1'): RecordedEvent => ({
  type,
  data,
  stream,
  version: 1,
  globalPosition: '1',
  metadata: { eventId: 'e1', commandId: 'c1', correlationId: 'corr-1', occurredAt: '2026-01-01T00:00:00.000Z', schemaVersion: 1 },
});

describe('identity integration events', () => {
  it('publishes UserRegistered as identity.user-registered.v1 without credentials', () => {
    const message = toIntegrationEvent(
      recorded('UserRegistered', { userId: 'u1', email: 'a@b.c', name: 'A', role: 'customer', registeredAt: 'x' }),
    );
    expect(message).toEqual({
      id: 'e1',
      type: 'identity.user-registered.v1',
      occurredAt: '2026-01-01T00:00:00.000Z',
      correlationId: 'corr-1',
      causationId: 'e1',
      data: { userId: 'u1', email: 'a@b.c', name: 'A', role: 'customer' },
    });
  });

  it('keeps role and password changes inside, and ignores other contexts', () => {
    expect(toIntegrationEvent(recorded('PasswordChanged', { userId: 'u1' }))).toBeNull();
    expect(toIntegrationEvent(recorded('UserRoleAssigned', { userId: 'u1' }))).toBeNull();
    expect(toIntegrationEvent(recorded('UserRegistered', {}, 'catalog.product-1'))).toBeNull();
  });
});
