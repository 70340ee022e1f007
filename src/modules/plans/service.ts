/**
 * The catalogue: what is for sale. The public sees active plans only; admins see and edit every plan
 * (deactivate rather than delete, so packs and orders keep pointing at their plan). Packs copy a plan's
 * terms at purchase, so an edit here never changes a pack already sold.
 */
import { isUniqueViolation, transaction, type Db } from '../../db/index.js';
import type { PlanRow } from '../../db/types.js';
import { conflict, notFound } from '../../errors.js';
import { iso, type Clock } from '../../lib/clock.js';
import { newId } from '../../lib/ids.js';
import { decodeCursor, toPage, type Page } from '../../lib/pagination.js';
import type { ActivityService, RequestMeta } from '../activity/service.js';
import { plansRepo } from './repository.js';
import type { PlanCreate, PlanPatch, PlanView } from './schemas.js';

export interface PlanListOptions {
  /** An ISO 3166-1 alpha-2 code, as the query schema (CountryCode) admits. */
  country?: string;
  /** Admin lists only: filter on is_active. */
  active?: boolean;
  limit: number;
  cursor?: string;
}

/** The public view of a stored plan. */
export function toPlanView(p: PlanRow): PlanView {
  return {
    id: p.id,
    code: p.code,
    name: p.name,
    description: p.description,
    data_bytes: p.data_bytes,
    validity_days: p.validity_days,
    price_cents: p.price_cents,
    currency: p.currency,
    countries: JSON.parse(p.countries) as string[],
    is_active: p.is_active === 1,
    created_at: iso(p.created_at),
    updated_at: iso(p.updated_at),
  };
}

/** Countries are stored as a sorted JSON array, so `"XX"` (quotes included) matches exactly one code. */
export function countriesText(countries: readonly string[]): string {
  return JSON.stringify([...new Set(countries)].sort());
}

const codeTaken = () => conflict('PLAN_CODE_TAKEN', 'Another plan already has this code');

/** The columns a patch writes, with the API's types converted to the storage types. */
function storedFields(p: PlanPatch): Partial<PlanRow> {
  const out: Partial<PlanRow> = {};
  if (p.code !== undefined) out.code = p.code;
  if (p.name !== undefined) out.name = p.name.trim();
  if (p.description !== undefined) out.description = p.description?.trim() || null;
  if (p.data_bytes !== undefined) out.data_bytes = p.data_bytes;
  if (p.validity_days !== undefined) out.validity_days = p.validity_days;
  if (p.price_cents !== undefined) out.price_cents = p.price_cents;
  if (p.currency !== undefined) out.currency = p.currency;
  if (p.countries !== undefined) out.countries = countriesText(p.countries);
  if (p.is_active !== undefined) out.is_active = p.is_active ? 1 : 0;
  return out;
}

/** The fields a patch really changes, in API form: `before` and `after` hold those fields only. */
function diffOf(before: PlanView, after: PlanView): { before: Partial<PlanView>; after: Partial<PlanView> } {
  const diff = { before: {} as Record<string, unknown>, after: {} as Record<string, unknown> };
  for (const key of Object.keys(after) as (keyof PlanView)[]) {
    if (key === 'updated_at') continue;
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) {
      diff.before[key] = before[key];
      diff.after[key] = after[key];
    }
  }
  return diff as { before: Partial<PlanView>; after: Partial<PlanView> };
}

export class PlansService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly activity: ActivityService,
  ) {}

  /** Active plans, newest first, optionally only those covering `country`. */
  listPublic(o: Omit<PlanListOptions, 'active'>): Promise<Page<PlanView>> {
    return this.list({ ...o, active: true });
  }

  /** One active plan; an inactive one is as unknown to the public as a missing one. */
  async getPublic(id: string): Promise<PlanView> {
    const plan = await plansRepo.findById(this.db, id);
    if (!plan || plan.is_active !== 1) throw notFound('Plan');
    return toPlanView(plan);
  }

  async list(o: PlanListOptions): Promise<Page<PlanView>> {
    const rows = await plansRepo.list(this.db, {
      activeOnly: o.active === true,
      inactiveOnly: o.active === false,
      country: o.country,
      after: decodeCursor(o.cursor),
      limit: o.limit,
    });
    return toPage(rows, o.limit, toPlanView);
  }

  async get(id: string): Promise<PlanView> {
    const plan = await plansRepo.findById(this.db, id);
    if (!plan) throw notFound('Plan');
    return toPlanView(plan);
  }

  async create(adminId: string, input: PlanCreate, meta: RequestMeta): Promise<PlanView> {
    const now = this.clock.now();
    try {
      return await transaction(this.db, async (tx) => {
        const row = await plansRepo.insert(tx, {
          id: newId(),
          code: input.code,
          name: input.name.trim(),
          description: input.description?.trim() || null,
          data_bytes: input.data_bytes,
          validity_days: input.validity_days,
          price_cents: input.price_cents,
          currency: input.currency,
          countries: countriesText(input.countries),
          is_active: input.is_active === false ? 0 : 1,
          created_at: now,
          updated_at: now,
        });
        const view = toPlanView(row);
        await this.activity.record(tx, {
          action: 'admin.plan_created',
          actorId: adminId,
          targetType: 'plan',
          targetId: row.id,
          metadata: { before: null, after: view },
          ip: meta.ip,
          userAgent: meta.userAgent,
        });
        return view;
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw codeTaken();
      throw err;
    }
  }

  /** Edits any field (is_active=false deactivates); the log keeps each changed field's before and after. */
  async update(adminId: string, id: string, patch: PlanPatch, meta: RequestMeta): Promise<PlanView> {
    try {
      return await transaction(this.db, async (tx) => {
        const current = await plansRepo.findById(tx, id);
        if (!current) throw notFound('Plan');
        const before = toPlanView(current);
        // a patch that changes nothing writes nothing (and logs nothing)
        if (
          Object.keys(diffOf(before, toPlanView({ ...current, ...storedFields(patch) })).after).length === 0
        ) {
          return before;
        }
        const updated = await plansRepo.update(tx, id, {
          ...storedFields(patch),
          updated_at: this.clock.now(),
        });
        if (!updated) throw notFound('Plan');
        const after = toPlanView(updated);
        await this.activity.record(tx, {
          action: 'admin.plan_updated',
          actorId: adminId,
          targetType: 'plan',
          targetId: id,
          metadata: diffOf(before, after),
          ip: meta.ip,
          userAgent: meta.userAgent,
        });
        return after;
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw codeTaken();
      throw err;
    }
  }
}
