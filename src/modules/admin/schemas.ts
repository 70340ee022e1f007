/** TypeBox schemas of the admin routes: queries and bodies (closed, bounded) and the answers. */
import { Type, type Static } from 'typebox';
import { Id, ListQuery, NullableTimestamp, Timestamp } from '../../http/schemas.js';
import { ICCID_PATTERN } from '../../lib/iccid.js';
import { ESIM_STATUSES } from '../esims/lifecycle.js';
import { PACK_STATUSES } from '../packs/model.js';
import { CurrencyField, DataBytesField, PackNameField, ValidityDaysField } from '../plans/schemas.js';
import { User } from '../users/model.js';

const Reason = Type.String({
  minLength: 1,
  maxLength: 500,
  pattern: '\\S',
  description: 'why, for the activity log',
});
const Count = Type.Integer({ minimum: 0 });
const Bytes = Type.Integer({ minimum: 0, description: 'bytes' });

// ---- users ----------------------------------------------------------------------------------------

export const UserListQuery = Type.Object(
  {
    query: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 254,
        description: 'case-insensitive substring of the email or the full name',
      }),
    ),
    status: Type.Optional(
      Type.Enum(['active', 'suspended', 'deleted'], {
        description: 'without it, deleted accounts are left out',
      }),
    ),
    role: Type.Optional(Type.Enum(['user', 'admin'])),
    ...ListQuery,
  },
  { additionalProperties: false },
);
export type UserListQuery = Static<typeof UserListQuery>;

export const AdminUserDetail = Type.Object(
  {
    ...User.properties,
    deleted_at: NullableTimestamp,
    packs_count: Type.Integer({ minimum: 0, description: 'packs of every status' }),
    esims_count: Type.Integer({ minimum: 0, description: 'eSIMs that are not deleted' }),
    used_bytes: Type.Integer({ minimum: 0, description: 'bytes debited from the user packs' }),
  },
  { additionalProperties: false },
);
export type AdminUserDetail = Static<typeof AdminUserDetail>;

export const UserPatch = Type.Object(
  {
    status: Type.Optional(Type.Enum(['active', 'suspended'])),
    role: Type.Optional(Type.Enum(['user', 'admin'])),
    reason: Type.Optional(Reason),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UserPatch = Static<typeof UserPatch>;

export const ReasonQuery = Type.Object({ reason: Type.Optional(Reason) }, { additionalProperties: false });
export const DeleteUserBody = Type.Union([ReasonQuery, Type.Null()]);

export const GrantFromPlan = Type.Object(
  { plan_id: Id, reason: Reason },
  { additionalProperties: false, description: 'the terms of a catalogue plan (active or not)' },
);
export const GrantCustom = Type.Object(
  {
    name: PackNameField,
    data_bytes: DataBytesField,
    validity_days: ValidityDaysField,
    currency: Type.Optional(CurrencyField),
    reason: Reason,
  },
  {
    additionalProperties: false,
    description: 'custom terms; `currency` (default USD) only labels the free pack',
  },
);
export const GrantBody = Type.Union([GrantFromPlan, GrantCustom]);
export type GrantBody = Static<typeof GrantBody>;

// ---- everyone's packs and eSIMs ------------------------------------------------------------------

export const PackListQuery = Type.Object(
  {
    user_id: Type.Optional(Id),
    status: Type.Optional(Type.Enum([...PACK_STATUSES])),
    plan_id: Type.Optional(Id),
    esim_id: Type.Optional(Id),
    ...ListQuery,
  },
  { additionalProperties: false },
);
export type PackListQuery = Static<typeof PackListQuery>;

export const EsimListQuery = Type.Object(
  {
    user_id: Type.Optional(Id),
    status: Type.Optional(Type.Enum([...ESIM_STATUSES])),
    iccid: Type.Optional(Type.String({ pattern: ICCID_PATTERN, description: 'exact ICCID' })),
    ...ListQuery,
  },
  { additionalProperties: false },
);
export type EsimListQuery = Static<typeof EsimListQuery>;

// ---- stats and system -----------------------------------------------------------------------------

const ByStatus = Type.Record(Type.String(), Count);

export const Stats = Type.Object({
  users: Type.Object({
    total: Type.Integer({ minimum: 0, description: 'accounts that are not deleted' }),
    active: Count,
    suspended: Count,
    deleted: Count,
    new_7d: Type.Integer({ minimum: 0, description: 'not-deleted accounts created in the last 7 days' }),
  }),
  packs: Type.Object({
    by_status: Type.Record(Type.String(), Count, {
      description: 'every pack status; an active pack past its expiry counts as expired',
    }),
  }),
  data: Type.Object({
    sold_bytes: Type.Integer({ minimum: 0, description: 'data of paid packs that are not cancelled' }),
    granted_bytes: Type.Integer({ minimum: 0, description: 'data of free (granted) packs not cancelled' }),
    used_bytes: Type.Integer({ minimum: 0, description: 'bytes debited from packs' }),
  }),
  esims: Type.Object({ by_status: ByStatus }),
  revenue: Type.Array(Type.Object({ currency: Type.String(), cents: Type.Integer({ minimum: 0 }) }), {
    description: 'paid orders, by currency',
  }),
  usage_per_day: Type.Array(Type.Object({ day: Type.String({ format: 'date' }), bytes: Bytes }), {
    description: 'usage reported per UTC day, the last 30 days including today, oldest first',
  }),
  generated_at: Timestamp,
});
export type Stats = Static<typeof Stats>;

const Ms = Type.Number({ minimum: 0, description: 'milliseconds' });

export const SystemHealth = Type.Object({
  version: Type.String(),
  uptime_s: Type.Integer({ minimum: 0 }),
  node: Type.String(),
  database: Type.Object({
    dialect: Type.Enum(['sqlite', 'postgres']),
    latency_ms: Ms,
    pool: Type.Object({ total: Count, idle: Count, waiting: Count, max: Count }),
  }),
  memory: Type.Object({ rss: Bytes, heap_used: Bytes, heap_total: Bytes, external: Bytes }),
  event_loop_lag_ms: Type.Object(
    { p50: Ms, p99: Ms, max: Ms },
    { description: 'event-loop delay since the app started (perf_hooks histogram)' },
  ),
});
export type SystemHealth = Static<typeof SystemHealth>;
