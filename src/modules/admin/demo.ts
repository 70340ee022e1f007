/**
 * Demo data for a fresh install (`npm run cli -- seed-demo`): a realistic catalogue and a demo account
 * with an eSIM and a pack, so a new user of the system sees it populated. Idempotent: plans are upserted
 * by code, the demo account by email, and the eSIM and the pack are made only when the account has none.
 */
import { transaction, type Db } from '../../db/index.js';
import type { PlanRow, UserRow } from '../../db/types.js';
import type { Clock } from '../../lib/clock.js';
import { newId } from '../../lib/ids.js';
import type { ActivityService, RequestMeta } from '../activity/service.js';
import type { PasswordHasher } from '../auth/passwords.js';
import { refreshTokensRepo } from '../auth/repository.js';
import type { EsimsService } from '../esims/service.js';
import type { PacksService } from '../packs/service.js';
import { countriesText } from '../plans/model.js';
import { usersRepo } from '../users/repository.js';
import { demoRepo } from './demo.repository.js';

export const DEMO_EMAIL = 'demo@kswifi.example';

const GB = 1024 ** 3;

export interface DemoPlan {
  code: string;
  name: string;
  description: string;
  data_bytes: number;
  validity_days: number;
  price_cents: number;
  currency: 'EUR' | 'USD';
  countries: string[];
}

// EU member states plus the EEA and the UK and Switzerland, where EU roaming packs usually also work
// prettier-ignore
const EUROPE = [
  'AT', 'BE', 'BG', 'HR', 'CY', 'CZ', 'DK', 'EE', 'FI', 'FR', 'DE', 'GR', 'HU', 'IE', 'IT', 'LV', 'LT', 'LU',
  'MT', 'NL', 'PL', 'PT', 'RO', 'SK', 'SI', 'ES', 'SE', 'IS', 'LI', 'NO', 'CH', 'GB',
];
const ASIA = ['JP', 'KR', 'SG', 'TH', 'VN', 'MY', 'ID', 'PH', 'HK', 'TW', 'IN', 'KH'];
const AMERICAS = ['US', 'CA', 'MX'];
// prettier-ignore
const GLOBAL = [
  ...EUROPE, ...ASIA, ...AMERICAS,
  'AU', 'NZ', 'BR', 'AR', 'CL', 'ZA', 'AE', 'TR', 'IL', 'EG', 'MA',
];

export const DEMO_PLANS: readonly DemoPlan[] = [
  {
    code: 'EU-5GB-30D',
    name: 'Europe 5 GB',
    description: '5 GB across 32 European countries, valid 30 days from first use.',
    data_bytes: 5 * GB,
    validity_days: 30,
    price_cents: 1499,
    currency: 'EUR',
    countries: EUROPE,
  },
  {
    code: 'EU-20GB-30D',
    name: 'Europe 20 GB',
    description: '20 GB across 32 European countries, valid 30 days from first use.',
    data_bytes: 20 * GB,
    validity_days: 30,
    price_cents: 3499,
    currency: 'EUR',
    countries: EUROPE,
  },
  {
    code: 'FR-3GB-15D',
    name: 'France 3 GB',
    description: '3 GB in France (mainland and Corsica), valid 15 days.',
    data_bytes: 3 * GB,
    validity_days: 15,
    price_cents: 799,
    currency: 'EUR',
    countries: ['FR'],
  },
  {
    code: 'ES-PT-10GB-30D',
    name: 'Spain & Portugal 10 GB',
    description: '10 GB in Spain and Portugal, valid 30 days.',
    data_bytes: 10 * GB,
    validity_days: 30,
    price_cents: 1999,
    currency: 'EUR',
    countries: ['ES', 'PT'],
  },
  {
    code: 'TR-5GB-15D',
    name: 'Türkiye 5 GB',
    description: '5 GB in Türkiye, valid 15 days.',
    data_bytes: 5 * GB,
    validity_days: 15,
    price_cents: 1299,
    currency: 'EUR',
    countries: ['TR'],
  },
  {
    code: 'US-10GB-30D',
    name: 'USA 10 GB',
    description: '10 GB in the United States, valid 30 days.',
    data_bytes: 10 * GB,
    validity_days: 30,
    price_cents: 1900,
    currency: 'USD',
    countries: ['US'],
  },
  {
    code: 'NA-15GB-30D',
    name: 'North America 15 GB',
    description: '15 GB in the United States, Canada and Mexico, valid 30 days.',
    data_bytes: 15 * GB,
    validity_days: 30,
    price_cents: 2900,
    currency: 'USD',
    countries: AMERICAS,
  },
  {
    code: 'JP-5GB-14D',
    name: 'Japan 5 GB',
    description: '5 GB in Japan, valid 14 days.',
    data_bytes: 5 * GB,
    validity_days: 14,
    price_cents: 1200,
    currency: 'USD',
    countries: ['JP'],
  },
  {
    code: 'ASIA-10GB-30D',
    name: 'Asia 10 GB',
    description: '10 GB across 12 Asian destinations, valid 30 days.',
    data_bytes: 10 * GB,
    validity_days: 30,
    price_cents: 2700,
    currency: 'USD',
    countries: ASIA,
  },
  {
    code: 'GLOBAL-3GB-30D',
    name: 'Global 3 GB',
    description: '3 GB in 58 countries on six continents, valid 30 days.',
    data_bytes: 3 * GB,
    validity_days: 30,
    price_cents: 2400,
    currency: 'USD',
    countries: GLOBAL,
  },
  {
    code: 'GLOBAL-10GB-60D',
    name: 'Global 10 GB',
    description: '10 GB in 58 countries on six continents, valid 60 days.',
    data_bytes: 10 * GB,
    validity_days: 60,
    price_cents: 5900,
    currency: 'USD',
    countries: GLOBAL,
  },
];

/** The plan the demo account gets a pack of. */
export const DEMO_PACK_PLAN = 'EU-5GB-30D';

export interface DemoDeps {
  db: Db;
  clock: Clock;
  passwords: PasswordHasher;
  activity: ActivityService;
  packs: PacksService;
  esims: EsimsService;
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

/** Inserts or refreshes the catalogue, keyed by code, in one transaction. */
async function upsertPlans(db: Db, now: number): Promise<{ rows: PlanRow[]; inserted: number }> {
  return transaction(db, async (tx) => {
    const codes = DEMO_PLANS.map((p) => p.code);
    const known = new Set((await demoRepo.existingCodes(tx, codes)).map((r) => r.code));
    const rows: PlanRow[] = [];
    for (const p of DEMO_PLANS) {
      rows.push(await demoRepo.upsertPlan(tx, { ...p, countries: countriesText(p.countries) }, now));
    }
    return { rows, inserted: codes.filter((c) => !known.has(c)).length };
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
  return transaction(db, async (tx) => {
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
    const user = await usersRepo.insert(tx, {
      id: newId(),
      email: DEMO_EMAIL,
      password_hash: hash,
      full_name: 'Demo Traveller',
      phone_number: null,
      role: 'user',
      status: 'active',
      created_at: now,
      updated_at: now,
      last_login_at: null,
      deleted_at: null,
    });
    await activity.record(tx, {
      action: 'demo.user_created',
      userId: user.id,
      targetType: 'user',
      targetId: user.id,
      ...SEED_META,
    });
    return { user, created: true };
  });
}

/**
 * The catalogue, the demo account (its password set to `password`), an eSIM and a pack of
 * DEMO_PACK_PLAN bound to it. The eSIM and the pack come from their own modules (issue, grant, bind), so
 * they are exactly what the API would make; each is made only when the account has none.
 */
export async function seedDemo(deps: DemoDeps, password: string): Promise<DemoResult> {
  const { rows, inserted } = await upsertPlans(deps.db, deps.clock.now());
  const { user, created } = await upsertDemoUser(deps, password);

  let esimId = await demoRepo.firstLiveEsimOf(deps.db, user.id);
  const esimIssued = !esimId;
  if (!esimId) esimId = (await deps.esims.issue(user, 'Demo phone', SEED_META)).esim.id;

  let packId = await demoRepo.firstPackOf(deps.db, user.id);
  const packGranted = !packId;
  if (!packId) {
    const plan = rows.find((r) => r.code === DEMO_PACK_PLAN);
    if (!plan) throw new Error(`the demo plan ${DEMO_PACK_PLAN} is missing`);
    // granted by the system, not by a person: the order's granted_by and the log's actor stay null
    const systemGrant = { adminId: null, userId: user.id, planId: plan.id };
    packId = (await deps.packs.grant(systemGrant, 'seed-demo: demo data', SEED_META)).id;
    await deps.packs.bind(user, packId, esimId, SEED_META);
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
