/**
 * What the scenarios need, made once per server run, on demand (`Seeder.ensure(need)`). Through the HTTP
 * API, except the hundreds of accounts of esim-create, whose registration would cost a bcrypt hash each:
 * those are written to the database with bench-signed tokens. That shortcut is written to `notes` so the
 * report says how the data was made.
 */
import bcrypt from 'bcrypt';
import { createHmac, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { openDatabase, type DatabaseHandle } from '../src/db/index.js';
import { newId } from '../src/lib/ids.js';
import { api, describeAnswer } from './api.js';

export type Need = 'user' | 'admin' | 'plan' | 'packs' | 'apiKey' | 'fleet' | 'esimUsers';

export interface SeedSettings {
  baseUrl: string;
  dbUrl: string;
  jwtSecret: string;
  adminEmail: string;
  adminPassword: string;
  /** eSIMs of the fleet user (qr-cold rotates through them, usage spreads records over them) */
  fleetSize: number;
  /** accounts for esim-create (each may hold ESIM_LIMIT_PER_USER eSIMs) */
  esimUsers: number;
  log: (line: string) => void;
}

export interface Account {
  id: string;
  email: string;
  password: string;
  token: string;
}

export interface Seed {
  user?: Account;
  admin?: { token: string };
  plan?: { id: string; dataBytes: number };
  packs?: { count: number };
  apiKey?: string;
  fleet?: { owner: Account; esims: { id: string; iccid: string }[] };
  esimUserTokens?: string[];
}

const API = '/api/v1';
const PLAN_BYTES = 10 * 1024 ** 3;
const PASSWORD = 'bench-password-123';

/**
 * An HS256 access token like the server's (claims sub + sid), signed with the bench's JWT_SECRET; `sid` must
 * name a live session (a refresh-token family of `sub`), as the server checks it.
 */
export function mintAccessToken(secret: string, sub: string, sid: string, ttlS = 86400): string {
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const head = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub, sid, iat: now, exp: now + ttlS })}`;
  return `${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`;
}

async function pool<T>(n: number, count: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array<T>(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, count) }, async () => {
      while (next < count) {
        const i = next++;
        out[i] = await fn(i);
      }
    }),
  );
  return out;
}

export class Seeder {
  readonly seed: Seed = {};
  readonly notes: string[] = [];
  private readonly pending = new Map<Need, Promise<void>>();
  private database: DatabaseHandle | undefined;

  constructor(private readonly s: SeedSettings) {}

  ensure(need: Need): Promise<void> {
    let p = this.pending.get(need);
    if (!p) {
      p = this.make(need);
      this.pending.set(need, p);
    }
    return p;
  }

  /** Direct database access for the shortcuts and the checks; closed by close(). */
  db(): DatabaseHandle['db'] {
    this.database ??= openDatabase(this.s.dbUrl, { poolMax: 2 });
    return this.database.db;
  }

  async close(): Promise<void> {
    await this.database?.close();
    this.database = undefined;
  }

  private note(line: string): void {
    this.notes.push(line);
    this.s.log(`  seed: ${line}`);
  }

  private call(method: string, path: string, opts: { token?: string; body?: unknown } = {}) {
    return api(this.s.baseUrl, method, API + path, opts);
  }

  private async make(need: Need): Promise<void> {
    switch (need) {
      case 'user':
        this.seed.user = await this.register('bench-user');
        return;
      case 'admin':
        return this.makeAdmin();
      case 'plan':
        return this.makePlan();
      case 'packs':
        return this.makePacks();
      case 'apiKey':
        return this.makeApiKey();
      case 'fleet':
        return this.makeFleet();
      case 'esimUsers':
        return this.makeEsimUsers();
    }
  }

  private async register(tag: string): Promise<Account> {
    const email = `${tag}-${randomBytes(4).toString('hex')}@bench.example`;
    const a = await this.call('POST', '/auth/register', {
      body: { email, password: PASSWORD, full_name: `Bench ${tag}` },
    });
    if (a.status !== 201) throw new Error(`POST /auth/register answered ${describeAnswer(a)}`);
    const j = a.json as { user: { id: string }; tokens: { access_token: string } };
    return { id: j.user.id, email, password: PASSWORD, token: j.tokens.access_token };
  }

  private async makeAdmin(): Promise<void> {
    const a = await this.call('POST', '/auth/login', {
      body: { email: this.s.adminEmail, password: this.s.adminPassword },
    });
    if (a.status !== 200) throw new Error(`admin login answered ${describeAnswer(a)}`);
    this.seed.admin = { token: (a.json as { tokens: { access_token: string } }).tokens.access_token };
  }

  private async makePlan(): Promise<void> {
    await this.ensure('admin');
    const body = {
      code: `BENCH-${randomBytes(3).toString('hex').toUpperCase()}`,
      name: 'Bench 10 GB',
      description: 'made by the benchmark',
      data_bytes: PLAN_BYTES,
      validity_days: 30,
      price_cents: 999,
      currency: 'EUR',
      countries: ['FR', 'DE'],
    };
    const a = await this.call('POST', '/admin/plans', { token: this.seed.admin!.token, body });
    if (a.status !== 201) throw new Error(`POST /admin/plans answered ${describeAnswer(a)}`);
    this.seed.plan = { id: (a.json as { id: string }).id, dataBytes: PLAN_BYTES };
  }

  /** Packs for `owner` bought through POST /packs, one per entry of `esimIds` (null = unbound). */
  private async buyPacks(owner: Account, esimIds: (string | null)[]): Promise<void> {
    await this.ensure('plan');
    const planId = this.seed.plan!.id;
    await pool(8, esimIds.length, async (i) => {
      const esimId = esimIds[i]!;
      const a = await this.call('POST', '/packs', {
        token: owner.token,
        body: esimId ? { plan_id: planId, esim_id: esimId } : { plan_id: planId },
      });
      if (a.status !== 201) throw new Error(`POST /packs answered ${describeAnswer(a)}`);
    });
  }

  private async makePacks(): Promise<void> {
    await this.ensure('user');
    await this.buyPacks(
      this.seed.user!,
      Array.from({ length: 10 }, () => null),
    );
    this.seed.packs = { count: 10 };
  }

  private async makeApiKey(): Promise<void> {
    await this.ensure('admin');
    const a = await this.call('POST', '/admin/api-keys', {
      token: this.seed.admin!.token,
      body: { name: 'bench usage feed' },
    });
    if (a.status !== 201) throw new Error(`POST /admin/api-keys answered ${describeAnswer(a)}`);
    this.seed.apiKey = (a.json as { key: string }).key;
  }

  /** One user owning `fleetSize` eSIMs, each with its own pack. */
  private async makeFleet(): Promise<void> {
    const owner = await this.register('bench-fleet');
    const n = this.s.fleetSize;
    const esims: { id: string; iccid: string }[] = [];
    await pool(8, n, async () => {
      const a = await this.call('POST', '/esims', { token: owner.token, body: { label: 'bench' } });
      if (a.status !== 201) throw new Error(`POST /esims answered ${describeAnswer(a)}`);
      const j = a.json as { id: string; iccid: string };
      esims.push({ id: j.id, iccid: j.iccid });
    });
    await this.buyPacks(
      owner,
      esims.map((e) => e.id),
    );
    this.seed.fleet = { owner, esims };
  }

  /** Accounts made in the DB with tokens signed by the bench: registering each would cost a bcrypt hash. */
  private async makeEsimUsers(): Promise<void> {
    const n = this.s.esimUsers;
    const hash = await bcrypt.hash(PASSWORD, 4);
    const now = Date.now();
    const rows = Array.from({ length: n }, (_, i) => ({
      id: newId(),
      email: `bench-esim-${i}-${randomBytes(3).toString('hex')}@bench.example`,
      password_hash: hash,
      full_name: 'Bench eSIM buyer',
      phone_number: null,
      role: 'user' as const,
      status: 'active' as const,
      created_at: now,
      updated_at: now,
      last_login_at: null,
      deleted_at: null,
    }));
    for (let i = 0; i < rows.length; i += 200) {
      await this.db()
        .insertInto('users')
        .values(rows.slice(i, i + 200))
        .execute();
    }
    // one session (refresh-token family) per account, as a login would leave; the token names it
    const sessions = rows.map((r) => ({
      id: newId(),
      user_id: r.id,
      family_id: newId(),
      token_hash: randomBytes(32).toString('hex'),
      created_at: now,
      expires_at: now + 86_400_000,
      used_at: null,
      revoked_at: null,
      ip: null,
      user_agent: 'bench',
    }));
    for (let i = 0; i < sessions.length; i += 200) {
      await this.db()
        .insertInto('refresh_tokens')
        .values(sessions.slice(i, i + 200))
        .execute();
    }
    const tokens = sessions.map((t) => mintAccessToken(this.s.jwtSecret, t.user_id, t.family_id));
    const check = await this.call('GET', '/users/me', { token: tokens[0] });
    if (check.status !== 200) throw new Error(`a bench-signed token was refused: ${describeAnswer(check)}`);
    this.note(`${n} accounts for esim-create inserted in the DB with bench-signed access tokens`);
    this.seed.esimUserTokens = tokens;
  }

  /**
   * Usage bookkeeping from the database, in one statement (one snapshot: records and debits committed
   * together are seen together): what the exactness check compares.
   */
  async usageTotals(): Promise<{ records: number; bytes: number; overage: number; packsUsed: number }> {
    const r = await sql<{ records: number; bytes: number; overage: number; packs_used: number }>`
      select (select count(*) from usage_records) as records,
             (select coalesce(sum(bytes), 0) from usage_records) as bytes,
             (select coalesce(sum(overage_bytes), 0) from usage_records) as overage,
             (select coalesce(sum(used_bytes), 0) from packs) as packs_used`.execute(this.db());
    const row = r.rows[0]!;
    return {
      records: Number(row.records),
      bytes: Number(row.bytes),
      overage: Number(row.overage),
      packsUsed: Number(row.packs_used),
    };
  }

  /** usageTotals once the server has finished what wrk left in flight (the count holds still). */
  async settledUsageTotals(timeoutMs = 20000): ReturnType<Seeder['usageTotals']> {
    const deadline = Date.now() + timeoutMs;
    let last = await this.usageTotals();
    for (;;) {
      await new Promise((r) => setTimeout(r, 500));
      const now = await this.usageTotals();
      if ((now.records === last.records && now.packsUsed === last.packsUsed) || Date.now() > deadline)
        return now;
      last = now;
    }
  }
}
