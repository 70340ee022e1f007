/**
 * Hand-built rows for the admin tests: inserted straight into the tables so a test controls every
 * timestamp, status and amount (and can build ties and volumes the API would not produce).
 */
import { randomInt } from 'node:crypto';
import type { Db } from '../../src/db/index.js';
import type { EsimStatus, OrderStatus, PackStatus, Role, UserStatus } from '../../src/db/types.js';
import { newId } from '../../src/lib/ids.js';

export const MB = 1024 * 1024;
export const GB = 1024 * MB;

let seq = 0;
const next = () => `${process.pid}${Date.now().toString(36)}${(seq += 1)}`;

export async function insertUser(
  db: Db,
  u: {
    email?: string;
    full_name?: string | null;
    status?: UserStatus;
    role?: Role;
    created_at?: number;
  } = {},
): Promise<string> {
  const id = newId();
  const at = u.created_at ?? Date.now();
  await db
    .insertInto('users')
    .values({
      id,
      email: (u.email ?? `fx.${next()}@example.test`).toLowerCase(),
      password_hash: '!fixture',
      full_name: u.full_name ?? null,
      phone_number: null,
      role: u.role ?? 'user',
      status: u.status ?? 'active',
      created_at: at,
      updated_at: at,
      last_login_at: null,
      deleted_at: u.status === 'deleted' ? at : null,
    })
    .execute();
  return id;
}

export async function insertPlan(
  db: Db,
  p: { price_cents?: number; currency?: string; data_bytes?: number } = {},
): Promise<string> {
  const id = newId();
  const now = Date.now();
  await db
    .insertInto('plans')
    .values({
      id,
      code: `fx-${next()}`,
      name: 'Fixture plan',
      description: null,
      data_bytes: p.data_bytes ?? GB,
      validity_days: 30,
      price_cents: p.price_cents ?? 999,
      currency: p.currency ?? 'EUR',
      countries: '["FR"]',
      is_active: 1,
      created_at: now,
      updated_at: now,
    })
    .execute();
  return id;
}

export function fakeIccid(): string {
  return `89${Array.from({ length: 17 }, () => randomInt(10)).join('')}`;
}

export async function insertEsim(
  db: Db,
  userId: string,
  e: { status?: EsimStatus; iccid?: string; created_at?: number } = {},
): Promise<{ id: string; iccid: string }> {
  const id = newId();
  const iccid = e.iccid ?? fakeIccid();
  const at = e.created_at ?? Date.now();
  await db
    .insertInto('esims')
    .values({
      id,
      user_id: userId,
      label: null,
      iccid,
      eid: null,
      status: e.status ?? 'released',
      smdp_address: 'smdp.kswifi.example',
      matching_id: `FX-${next()}`.toUpperCase().padEnd(20, '0'),
      confirmation_code_hash: null,
      created_at: at,
      updated_at: at,
      deleted_at: e.status === 'deleted' ? at : null,
    })
    .execute();
  return { id, iccid };
}

export async function insertPack(
  db: Db,
  userId: string,
  p: {
    status?: PackStatus;
    total_bytes?: number;
    used_bytes?: number;
    price_cents?: number;
    currency?: string;
    plan_id?: string | null;
    esim_id?: string | null;
    expires_at?: number | null;
    created_at?: number;
  } = {},
): Promise<string> {
  const id = newId();
  const at = p.created_at ?? Date.now();
  const status = p.status ?? 'pending';
  await db
    .insertInto('packs')
    .values({
      id,
      user_id: userId,
      order_id: null,
      plan_id: p.plan_id ?? null,
      esim_id: p.esim_id ?? null,
      name: 'Fixture pack',
      total_bytes: p.total_bytes ?? GB,
      used_bytes: p.used_bytes ?? 0,
      validity_days: 30,
      price_cents: p.price_cents ?? 999,
      currency: p.currency ?? 'EUR',
      status,
      created_at: at,
      updated_at: at,
      activated_at: status === 'pending' ? null : at,
      expires_at: p.expires_at ?? null,
      ended_at: null,
    })
    .execute();
  return id;
}

export async function insertOrder(
  db: Db,
  userId: string,
  o: { status: OrderStatus; amount_cents: number; currency: string },
): Promise<string> {
  const id = newId();
  const now = Date.now();
  await db
    .insertInto('orders')
    .values({
      id,
      user_id: userId,
      plan_id: null,
      status: o.status,
      amount_cents: o.amount_cents,
      currency: o.currency,
      idempotency_key: null,
      request_hash: null,
      pack_id: null,
      granted_by: null,
      reason: null,
      created_at: now,
      updated_at: now,
    })
    .execute();
  return id;
}

export async function insertUsage(
  db: Db,
  r: { userId: string; esim: { id: string; iccid: string }; bytes: number; occurred_at: number },
): Promise<string> {
  const id = newId();
  await db
    .insertInto('usage_records')
    .values({
      id,
      event_id: `fx-${next()}`,
      esim_id: r.esim.id,
      user_id: r.userId,
      iccid: r.esim.iccid,
      bytes: r.bytes,
      overage_bytes: 0,
      occurred_at: r.occurred_at,
      received_at: r.occurred_at,
    })
    .execute();
  return id;
}
