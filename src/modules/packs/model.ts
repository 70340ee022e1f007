/** The public shape of a data pack. The status shown is the effective one at the reader's clock. */
import { Type, type Static } from 'typebox';
import type { PackRow, PackStatus } from '../../db/types.js';
import { Id, NullableTimestamp, Nullable, Timestamp } from '../../http/schemas.js';
import { iso } from '../../lib/clock.js';
import { PACK_TRANSITIONS, effectivePackStatus } from './lifecycle.js';

export const PACK_STATUSES = Object.keys(PACK_TRANSITIONS) as PackStatus[];

export const Pack = Type.Object(
  {
    id: Id,
    user_id: Id,
    plan_id: Nullable(Id),
    esim_id: Nullable(Id),
    name: Type.String(),
    total_bytes: Type.Integer({ minimum: 0 }),
    used_bytes: Type.Integer({ minimum: 0 }),
    remaining_bytes: Type.Integer({ minimum: 0 }),
    status: Type.Enum(PACK_STATUSES),
    validity_days: Type.Integer({ minimum: 1, description: 'validity counted from activation' }),
    created_at: Timestamp,
    activated_at: NullableTimestamp,
    expires_at: NullableTimestamp,
    ended_at: NullableTimestamp, // when it became depleted, expired or cancelled
    price_cents: Type.Integer({ minimum: 0 }),
    currency: Type.String(),
  },
  { $id: 'Pack' },
);
export type PackView = Static<typeof Pack>;

export function toPackView(p: PackRow, now: number): PackView {
  const status = effectivePackStatus(p, now);
  // expired on read but not yet swept: it ended at its expiry, which is what the sweep will write
  const endedAt = p.ended_at ?? (status === 'expired' && p.status !== 'expired' ? p.expires_at : null);
  return {
    id: p.id,
    user_id: p.user_id,
    plan_id: p.plan_id,
    esim_id: p.esim_id,
    name: p.name,
    total_bytes: p.total_bytes,
    used_bytes: p.used_bytes,
    remaining_bytes: Math.max(0, p.total_bytes - p.used_bytes),
    status,
    validity_days: p.validity_days,
    created_at: iso(p.created_at),
    activated_at: iso(p.activated_at),
    expires_at: iso(p.expires_at),
    ended_at: iso(endedAt),
    price_cents: p.price_cents,
    currency: p.currency,
  };
}
