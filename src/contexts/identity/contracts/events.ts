/** PUBLIC wire contracts of identity: plain JSON, additive changes only; a breaking change is a new `.vN`. */

export const USER_REGISTERED_V1 = 'identity.user-registered.v1';

/** A new account exists. Carries no credentials. */
export type UserRegisteredV1 = {
  type: typeof USER_REGISTERED_V1;
  id: string;
  occurredAt: string;
  correlationId: string;
  causationId?: string;
  traceparent?: string;
  data: { userId: string; email: string; name: string; role: 'customer' | 'staff' | 'admin' };
};

export type IdentityIntegrationEvent = UserRegisteredV1;
