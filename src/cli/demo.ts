/**
 * Demo data for a fresh install (`npm run cli -- seed-demo`): a realistic catalogue and a demo account
 * with an eSIM and a pack, so a new user of the system sees it populated. Idempotent: plans are upserted
 * by code, the demo account by email, and the eSIM and the pack are made only when the account has none.
 * Every row is written by its own module: plans and users through their repositories, the eSIM and the
 * pack through the services the API uses.
 */
import { transaction, type Db } from '../db/index.js';
import type { PlanRow, UserRow } from '../db/types.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import type { ActivityService, RequestMeta } from '../modules/activity/service.js';
import type { PasswordHasher } from '../modules/auth/passwords.js';
import { refreshTokensRepo } from '../modules/auth/repository.js';
import type { EsimsService } from '../modules/esims/service.js';
import type { PacksService } from '../modules/packs/service.js';
import { plansRepo } from '../modules/plans/repository.js';
import { countriesText } from '../modules/plans/service.js';
import { usersRepo } from '../modules/users/repository.js';
import type { SessionEvents } from '../sessions/events.js';
import { DEMO_PACK_PLAN, DEMO_PLANS } from './demo-catalogue.js';

export const DEMO_EMAIL = 'demo@kswifi.example';

export interface DemoDeps {
  db: Db;
  clock: Clock;
  passwords: PasswordHasher;
  activity: ActivityService;
  packs: PacksService;
  esims: EsimsService;
  /** The reset of an existing demo account is published (its row changed, its sessions were revoked). */
  events: SessionEvents;
}

export interface DemoResult {
  plans: { inserted: number; updated: number };
  user: UserRow;
  userCreated: boolean;
  esimId: string;
  esimIssued: boolean;
  packId: string;
  packGranted: boolean;
}

const SEED_META: RequestMeta = { ip: null, userAgent: 'kswifi-cli seed-demo' };

/**
 * Inserts or refreshes the catalogue, keyed by code, in one transaction: a known code keeps its id and
 * created_at, gets the demo terms again and is re-activated.
 */
async function upsertPlans(db: Db, now: number): Promise<{ rows: PlanRow[]; inserted: number }> {
  return transaction(db, async (tx) => {
    const rows: PlanRow[] = [];
    let inserted = 0;
    for (const { code, countries, ...terms } of DEMO_PLANS) {
      const fields = { ...terms, countries: countriesText(countries), is_active: 1, updated_at: now };
      const known = await plansRepo.findByCode(tx, code);
      const row = known
        ? await plansRepo.update(tx, known.id, fields)
        : await plansRepo.insert(tx, { id: newId(), code, ...fields, created_at: now });
      if (!row) throw new Error(`the plan ${code} disappeared while it was refreshed`);
      if (!known) inserted += 1;
      rows.push(row);
    }
    return { rows, inserted };
  });
}

/** Creates the demo account, or re-activates it and sets `password` (every old session ends). */
async function upsertDemoUser(
  deps: DemoDeps,
  password: string,
): Promise<{ user: UserRow; created: boolean }> {
  const { db, clock, passwords, activity } = deps;
  const hash = await passwords.hash(password);
  const now = clock.now();
  const result = await transaction(db, async (tx) => {
    const existing = await usersRepo.findByEmail(tx, DEMO_EMAIL);
    if (existing) {
      const user = await usersRepo.update(tx, existing.id, {
        password_hash: hash,
        status: 'active',
        deleted_at: null,
        updated_at: now,
      });
      await refreshTokensRepo.revokeUser(tx, existing.id, now);
      await activity.record(tx, {
        action: 'demo.user_reset',
        userId: existing.id,
        targetType: 'user',
        targetId: existing.id,
        ...SEED_META,
      });
      return { user: user ?? existing, created: false };
    }
    const user = await usersRepo.create(
      tx,
      { email: DEMO_EMAIL, passwordHash: hash, fullName: 'Demo Traveller' },
      now,
    );
    await activity.record(tx, {
      action: 'demo.user_created',
      userId: user.id,
      targetType: 'user',
      targetId: user.id,
      ...SEED_META,
    });
    return { user, created: true };
  });
  if (!result.created) await deps.events.userAndSessions(result.user.id);
  return result;
}

/**
 * The catalogue, the demo account (its password set to `password`), an eSIM and a pack of
 * DEMO_PACK_PLAN bound to it. The eSIM and the pack come from their own modules (issue, grant, bind), so
 * they are exactly what the API would make; each is made only when the account has none.
 */
export async function seedDemo(deps: DemoDeps, password: string): Promise<DemoResult> {
  const { rows, inserted } = await upsertPlans(deps.db, deps.clock.now());
  const { user, created } = await upsertDemoUser(deps, password);

  let esimId = (await deps.esims.list(user.id, { limit: 1 })).items[0]?.id;
  const esimIssued = !esimId;
  if (!esimId) esimId = (await deps.esims.issue(user.id, 'Demo phone', SEED_META)).id;

  let packId = (await deps.packs.list(user.id, { limit: 1 })).items[0]?.id;
  const packGranted = !packId;
  if (!packId) {
    const plan = rows.find((r) => r.code === DEMO_PACK_PLAN);
    if (!plan) throw new Error(`the demo plan ${DEMO_PACK_PLAN} is missing`);
    // granted by the system, not by a person: the order's granted_by and the log's actor stay null
    const systemGrant = { adminId: null, userId: user.id, planId: plan.id };
    packId = (await deps.packs.grant(systemGrant, 'seed-demo: demo data', SEED_META)).id;
    await deps.packs.bind(user.id, packId, esimId, SEED_META);
  }
  return {
    plans: { inserted, updated: rows.length - inserted },
    user,
    userCreated: created,
    esimId,
    esimIssued,
    packId,
    packGranted,
  };
}
