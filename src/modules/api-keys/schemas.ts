/** TypeBox schemas of the API keys admins issue to machine clients (the network's usage feed). */
import { Type, type Static } from 'typebox';
import { Id, ListQuery, Nullable, NullableTimestamp, Timestamp } from '../../http/schemas.js';

export const ApiKey = Type.Object(
  {
    id: Id,
    name: Type.String(),
    prefix: Type.String({ description: 'the first characters of the key, to tell keys apart' }),
    created_by: Nullable(Type.String()),
    created_at: Timestamp,
    last_used_at: NullableTimestamp,
    revoked_at: NullableTimestamp,
  },
  { $id: 'ApiKey', description: 'an API key for a machine client; never contains the key itself' },
);
export type ApiKeyView = Static<typeof ApiKey>;

export const CreateApiKeyBody = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' }) },
  { additionalProperties: false },
);

export const CreatedApiKey = Type.Object({
  id: Id,
  name: Type.String(),
  key: Type.String({ description: 'the secret, shown only in this answer: send it as X-API-Key' }),
  prefix: Type.String(),
  created_at: Timestamp,
});
export type CreatedApiKeyView = Static<typeof CreatedApiKey>;

export const ApiKeyListQuery = Type.Object(ListQuery, { additionalProperties: false });
