import type { RecordedEvent } from '../../../platform/event-store/event-store';
import type { IntegrationTranslator } from '../../../platform/messaging/message-bus';
import { USER_REGISTERED_V1, UserRegisteredV1 } from '../contracts/events';
import type { ApiKeyEvent } from '../domain/api-key';
import type { UserEvent } from '../domain/user';

/** identity's domain events → its public wire messages; role, password and API key changes stay inside. */
export const toIntegrationEvent: IntegrationTranslator = (recorded: RecordedEvent): UserRegisteredV1 | null => {
  if (!recorded.stream.startsWith('identity.')) return null;
  const event = recorded as RecordedEvent<UserEvent | ApiKeyEvent>;
  const { eventId, occurredAt, correlationId } = event.metadata;
  switch (event.type) {
    case 'UserRegistered': {
      const { userId, email, name, role } = event.data;
      return {
        id: eventId,
        type: USER_REGISTERED_V1,
        occurredAt,
        correlationId,
        causationId: eventId,
        data: { userId, email, name, role },
      };
    }
    default:
      return null;
  }
};
