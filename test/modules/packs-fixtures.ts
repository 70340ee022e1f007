/**
 * Helpers of the catalogue, pack, sweep and notification tests: plans through the admin API (the real
 * path), eSIMs inserted straight into their table (this slice only reads them), purchases through the API.
 */
import { randomInt } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { Db } from '../../src/db/index.js';
import { generateIccid } from '../../src/lib/iccid.js';
import { newId } from '../../src/lib/ids.js';
import type { Session } from '../helper.js';

export const MB = 1024 * 1024;
export const GB = 1024 * MB;

let seq = 0;
export function uniqueCode(tag = 'P'): string {
  seq += 1;
  return `${tag}-${process.pid}-${Date.now().toString(36)}-${seq}`.toUpperCase();
}

export interface PlanBody {
  code: string;
  name: string;
  description?: string | null;
  data_bytes: number;
  validity_days: number;
  price_cents: number;
  currency: string;
  countries: string[];
  is_active?: boolean;
}

export function planBody(over: Partial<PlanBody> = {}): PlanBody {
  return {
    code: uniqueCode(),
    name: 'Europe 5 GB',
    description: 'Five gigabytes across Europe',
    data_bytes: 5 * GB,
    validity_days: 30,
    price_cents: 1999,
    currency: 'EUR',
    countries: ['FR', 'DE', 'ES'],
    ...over,
  };
}

export interface PlanJson extends PlanBody {
  id: string;
  is_active: boolean;
  created_at: string;
}

export async function createPlan(
  app: FastifyInstance,
  admin: Session,
  over: Partial<PlanBody> = {},
): Promise<PlanJson> {
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/admin/plans',
    headers: admin.headers,
    payload: planBody(over),
  });
  if (res.statusCode !== 201) throw new Error(`create plan failed: ${res.statusCode} ${res.body}`);
  return res.json<PlanJson>();
}

export interface PackJson {
  id: string;
  user_id: string;
  plan_id: string | null;
  esim_id: string | null;
  name: string;
  total_bytes: number;
  used_bytes: number;
  remaining_bytes: number;
  status: string;
  validity_days: number;
  created_at: string;
  activated_at: string | null;
  expires_at: string | null;
  ended_at: string | null;
  price_cents: number;
  currency: string;
}

export function buyRequest(
  app: FastifyInstance,
  s: Session,
  body: Record<string, unknown>,
  key?: string,
): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url: '/api/v1/packs',
    headers: key === undefined ? s.headers : { ...s.headers, 'idempotency-key': key },
    payload: body,
  });
}

export async function buy(app: FastifyInstance, s: Session, planId: string): Promise<PackJson> {
  const res = await buyRequest(app, s, { plan_id: planId });
  if (res.statusCode !== 201) throw new Error(`purchase failed: ${res.statusCode} ${res.body}`);
  return res.json<PackJson>();
}

export function packAction(
  app: FastifyInstance,
  s: Session,
  id: string,
  action: 'activate' | 'cancel',
): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'POST', url: `/api/v1/packs/${id}/${action}`, headers: s.headers });
}

export async function insertEsim(db: Db, userId: string, deleted = false): Promise<string> {
  const id = newId();
  const now = Date.now();
  seq += 1;
  await db
    .insertInto('esims')
    .values({
      id,
      user_id: userId,
      label: null,
      iccid: generateIccid('8988247'),
      eid: null,
      status: deleted ? 'deleted' : 'released',
      smdp_address: 'smdp.kswifi.example',
      matching_id: `PK-${process.pid}-${seq}-${randomInt(1e9)}`.padEnd(20, '0'),
      confirmation_code_hash: null,
      created_at: now,
      updated_at: now,
      deleted_at: deleted ? now : null,
    })
    .execute();
  return id;
}
