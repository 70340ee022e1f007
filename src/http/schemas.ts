/** TypeBox building blocks shared by every module's schemas.ts. */
import { Type, type Static, type TSchema } from 'typebox';
import { DEFAULT_LIMIT, MAX_LIMIT } from '../lib/pagination.js';
import { UUID_PATTERN } from '../lib/ids.js';

export const Id = Type.String({ pattern: UUID_PATTERN, description: 'UUIDv7' });
export const IdParams = Type.Object({ id: Id }, { additionalProperties: false });
export const Timestamp = Type.String({ format: 'date-time', maxLength: 40, description: 'ISO 8601 UTC' });
/** A client-given instant (query filters): the same shape, with what the bound means. */
export const TimestampParam = (description: string) =>
  Type.String({ format: 'date-time', maxLength: 40, description });
export const NullableTimestamp = Type.Union([Timestamp, Type.Null()]);
export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

/** An operator's reason for a change, kept in the activity log (user administration, grants). */
export const ReasonField = Type.String({
  minLength: 1,
  maxLength: 500,
  pattern: '\\S',
  description: 'why, for the activity log',
});

export const ListQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT })),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
};

/** A list page of `item` (pass a `ref(...)` for named item schemas). */
export const PageOf = <T extends TSchema>(item: T) =>
  Type.Object({ items: Type.Array(item), next_cursor: Nullable(Type.String()) });

/**
 * A reference to a named shared schema (one with `$id`, added once with app.addSchema in app.ts), typed as
 * the schema itself. Named schemas appear under their own name in the OpenAPI document.
 */
export function ref<T extends TSchema & { $id?: string }>(schema: T) {
  if (!schema.$id) throw new Error('ref() needs a schema with $id');
  return Type.Unsafe<Static<T>>(Type.Ref(schema.$id));
}

export const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String(),
    errors: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))),
    request_id: Type.String(),
  },
  { $id: 'Problem', description: 'RFC 9457 problem details' },
);
export type ProblemBody = Static<typeof Problem>;

export const ProblemRef = Type.Unsafe<ProblemBody>(Type.Ref('Problem'));

/** Response entries for the errors a route can answer, all as Problem. */
export function problems(...statuses: number[]): Record<number, typeof ProblemRef> {
  return Object.fromEntries(statuses.map((s) => [s, ProblemRef]));
}
