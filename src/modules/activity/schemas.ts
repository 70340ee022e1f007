/** TypeBox shapes of the activity log: the entry everyone reads and the operators' filter. */
import { Type, type Static } from 'typebox';
import { Id, ListQuery, Nullable, Timestamp, TimestampParam } from '../../http/schemas.js';

export const Activity = Type.Object(
  {
    id: Id,
    user_id: Nullable(Type.String()),
    actor_id: Nullable(Type.String()),
    action: Type.String(),
    target_type: Nullable(Type.String()),
    target_id: Nullable(Type.String()),
    ip: Nullable(Type.String()),
    user_agent: Nullable(Type.String()),
    metadata: Nullable(Type.Record(Type.String(), Type.Unknown())),
    created_at: Timestamp,
  },
  { $id: 'Activity' },
);
export type ActivityView = Static<typeof Activity>;

/** The caller's own log: a page, nothing else to filter by. */
export const OwnActivityQuery = Type.Object(ListQuery, { additionalProperties: false });

export const ActivityListQuery = Type.Object(
  {
    user_id: Type.Optional(Id),
    actor_id: Type.Optional(Id),
    action: Type.Optional(Type.String({ minLength: 1, maxLength: 100, pattern: '^[a-z0-9_.-]+$' })),
    from: Type.Optional(TimestampParam('inclusive')),
    to: Type.Optional(TimestampParam('exclusive')),
    ...ListQuery,
  },
  { additionalProperties: false },
);
export type ActivityListQuery = Static<typeof ActivityListQuery>;
