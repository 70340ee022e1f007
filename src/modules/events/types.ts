/**
 * The event types of the outbox and the shapes of what is emitted. No I/O: the payload builders turn the
 * rows other modules hold into the `data` a partner can act on without calling back (ids, bytes, status).
 */
import type { EsimRow, OrderRow, PackRow } from '../../db/types.js';
import { iso } from '../../lib/clock.js';

export const EVENT_TYPES = [
  'order.paid',
  'order.refunded',
  'order.partially_refunded',
  'pack.purchased',
  'pack.activated',
  'pack.usage_threshold',
  'pack.depleted',
  'pack.expiring',
  'pack.expired',
  'pack.cancelled',
  'esim.created',
  'esim.status_changed',
  'user.suspended',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface NewEvent {
  type: EventType;
  /** Whose object it is (null for events of no one account). */
  userId: string | null;
  /** When it happened (epoch ms, the caller's clock). */
  at: number;
  data: Record<string, unknown>;
  /** Set for a once-only event: a second emit with the same key writes nothing. */
  dedupeKey?: string;
}

/** An event as stored and handed to the consumers. */
export interface OutboxEvent {
  id: string;
  type: EventType;
  userId: string | null;
  at: number;
  data: Record<string, unknown>;
}

/** The pack fields every pack event carries. */
export type PackFacts = Pick<
  PackRow,
  | 'id'
  | 'user_id'
  | 'esim_id'
  | 'name'
  | 'status'
  | 'total_bytes'
  | 'used_bytes'
  | 'activated_at'
  | 'expires_at'
>;

export function packData(p: PackFacts): Record<string, unknown> {
  return {
    id: p.id,
    user_id: p.user_id,
    esim_id: p.esim_id,
    name: p.name,
    status: p.status,
    total_bytes: p.total_bytes,
    used_bytes: p.used_bytes,
    remaining_bytes: p.total_bytes - p.used_bytes,
    activated_at: iso(p.activated_at),
    expires_at: iso(p.expires_at),
  };
}

export function orderData(o: OrderRow): Record<string, unknown> {
  return {
    id: o.id,
    user_id: o.user_id,
    plan_id: o.plan_id,
    pack_id: o.pack_id,
    status: o.status,
    amount_cents: o.amount_cents,
    currency: o.currency,
    refunded_cents: o.refunded_cents,
  };
}

export function esimData(e: EsimRow): Record<string, unknown> {
  return { id: e.id, user_id: e.user_id, iccid: e.iccid, eid: e.eid, label: e.label, status: e.status };
}

/** A pack event: `pack.<what>` with the pack's facts, and what else the type needs. */
export function packEvent(
  type: EventType,
  p: PackFacts,
  at: number,
  extra: Record<string, unknown> = {},
  dedupeKey?: string,
): NewEvent {
  return { type, userId: p.user_id, at, data: { pack: packData(p), ...extra }, dedupeKey };
}

/** `esim.created` (no `from`) or `esim.status_changed` (from → the eSIM's status now). */
export function esimEvent(e: EsimRow, from: EsimRow['status'] | null, at: number): NewEvent {
  if (from === null) return { type: 'esim.created', userId: e.user_id, at, data: { esim: esimData(e) } };
  const data = { esim: esimData(e), from, to: e.status };
  return { type: 'esim.status_changed', userId: e.user_id, at, data };
}
