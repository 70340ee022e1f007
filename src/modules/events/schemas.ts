/** TypeBox shapes of the event outbox: the Event view and the operators' list query. */
import { Type, type Static } from 'typebox';
import { Id, ListQuery, Nullable, Timestamp, TimestampParam } from '../../http/schemas.js';
import { EVENT_TYPES } from './types.js';

export const EventTypeSchema = Type.Enum([...EVENT_TYPES], { description: 'What happened' });

export const Event = Type.Object(
  {
    id: Id,
    type: EventTypeSchema,
    occurred_at: Timestamp,
    user_id: Nullable(Id),
    data: Type.Record(Type.String(), Type.Unknown(), {
      description: 'What a partner needs to act: ids, bytes used and left, status',
    }),
  },
  { $id: 'Event' },
);
export type EventView = Static<typeof Event>;

export const EventListQuery = Type.Object(
  {
    type: Type.Optional(EventTypeSchema),
    user_id: Type.Optional(Id),
    since: Type.Optional(TimestampParam('inclusive: events that happened at or after it')),
    until: Type.Optional(TimestampParam('exclusive: events that happened before it')),
    ...ListQuery,
  },
  { additionalProperties: false },
);
export type EventListQuery = Static<typeof EventListQuery>;
