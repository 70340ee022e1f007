/**
 * Webhook endpoints for the operators: create (the signing secret is answered once and stored sealed),
 * list, read, change, delete, rotate the secret with an overlap. Every URL passes the SSRF guard on
 * creation and change (sender.ts); the worker checks again at every connection. Deliveries and replays
 * are in deliveries.service.ts.
 */
import { transaction, type Db, type Tx } from '../../db/index.js';
import type { WebhookEndpointRow } from '../../db/types.js';
import { AppError, badRequest, notFound } from '../../errors.js';
import type { Clock } from '../../lib/clock.js';
import { newId } from '../../lib/ids.js';
import { decodeCursor, toPage, type Page } from '../../lib/pagination.js';
import { newWebhookSecret, seal } from '../../lib/sealed.js';
import type { ActivityService, RequestMeta } from '../activity/service.js';
import { deliveriesRepo } from './deliveries.repository.js';
import { endpointsRepo, type EndpointPatch } from './endpoints.repository.js';
import type { CreateEndpointBody, UpdateEndpointBody, WebhookEndpointView } from './schemas.js';
import { endpointProblem, type LookupFn } from './sender.js';
import { toEndpointView } from './views.js';

export interface WebhooksOptions {
  /** The sealing key; undefined (production without WEBHOOK_SECRET_KEY) switches webhooks off. */
  key: Buffer | undefined;
  allowPrivate: boolean;
  lookup?: LookupFn;
}

const notConfigured = () =>
  new AppError(503, 'WEBHOOKS_NOT_CONFIGURED', 'Webhooks need WEBHOOK_SECRET_KEY to be set on the server');

export class WebhooksService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly activity: ActivityService,
    private readonly opts: WebhooksOptions,
  ) {}

  private sealingKey(): Buffer {
    if (!this.opts.key) throw notConfigured();
    return this.opts.key;
  }

  private async checkUrl(url: string): Promise<void> {
    const problem = await endpointProblem(url, this.opts.allowPrivate, this.opts.lookup);
    if (problem) {
      throw badRequest('WEBHOOK_URL_REFUSED', `The webhook URL ${problem}`, [
        { field: 'body.url', message: problem },
      ]);
    }
  }

  async create(
    adminId: string,
    body: CreateEndpointBody,
    meta: RequestMeta,
  ): Promise<WebhookEndpointView & { secret: string }> {
    const key = this.sealingKey();
    await this.checkUrl(body.url);
    const secret = newWebhookSecret();
    const now = this.clock.now();
    const row = await transaction(this.db, async (tx) => {
      const created = await endpointsRepo.insert(tx, {
        id: newId(),
        url: body.url,
        description: body.description?.trim() || null,
        event_types: JSON.stringify(body.event_types),
        enabled: body.enabled === false ? 0 : 1,
        secret_sealed: seal(key, secret),
        previous_secret_sealed: null,
        previous_secret_expires_at: null,
        failing_since: null,
        disabled_reason: null,
        created_by: adminId,
        created_at: now,
        updated_at: now,
      });
      await this.log(tx, 'admin.webhook_created', adminId, created, meta);
      return created;
    });
    return { ...toEndpointView(row), secret };
  }

  async list(q: { limit: number; cursor?: string }): Promise<Page<WebhookEndpointView>> {
    const rows = await endpointsRepo.list(this.db, { before: decodeCursor(q.cursor), limit: q.limit });
    return toPage(rows, q.limit, toEndpointView);
  }

  async get(id: string): Promise<WebhookEndpointView> {
    return toEndpointView(await this.found(this.db, id));
  }

  /** Changes url, types, description or enabled; switching on clears the failure run and its reason. */
  async update(
    adminId: string,
    id: string,
    body: UpdateEndpointBody,
    meta: RequestMeta,
  ): Promise<WebhookEndpointView> {
    if (Object.keys(body).length === 0) {
      throw badRequest('NOTHING_TO_CHANGE', 'Give a field to change', [
        { field: 'body', message: 'needs url, event_types, description or enabled' },
      ]);
    }
    if (body.url !== undefined) await this.checkUrl(body.url);
    return transaction(this.db, async (tx) => {
      const before = await this.found(tx, id);
      const patch: EndpointPatch = { updated_at: this.clock.now() };
      if (body.url !== undefined) patch.url = body.url;
      if (body.event_types !== undefined) patch.event_types = JSON.stringify(body.event_types);
      if (body.description !== undefined) patch.description = body.description?.trim() || null;
      if (body.enabled !== undefined) patch.enabled = body.enabled ? 1 : 0;
      if (body.enabled === true && before.enabled === 0) {
        patch.failing_since = null;
        patch.disabled_reason = null;
      }
      const after = (await endpointsRepo.update(tx, id, patch)) ?? before;
      await this.log(tx, 'admin.webhook_updated', adminId, after, meta, { fields: Object.keys(body) });
      return toEndpointView(after);
    });
  }

  /** Deletes the endpoint with its deliveries and their log. */
  async remove(adminId: string, id: string, meta: RequestMeta): Promise<void> {
    await transaction(this.db, async (tx) => {
      const endpoint = await this.found(tx, id);
      await deliveriesRepo.removeOfEndpoint(tx, id);
      await endpointsRepo.remove(tx, id);
      await this.log(tx, 'admin.webhook_deleted', adminId, endpoint, meta);
    });
  }

  /** A new secret, answered once; the current one keeps signing too for `overlapS` seconds. */
  async rotate(
    adminId: string,
    id: string,
    overlapS: number,
    meta: RequestMeta,
  ): Promise<{ secret: string; previous_secret_expires_at: string | null }> {
    const key = this.sealingKey();
    const secret = newWebhookSecret();
    return transaction(this.db, async (tx) => {
      const before = await this.found(tx, id);
      const now = this.clock.now();
      const until = overlapS > 0 ? now + overlapS * 1000 : null;
      const after = await endpointsRepo.update(tx, id, {
        secret_sealed: seal(key, secret),
        previous_secret_sealed: until === null ? null : before.secret_sealed,
        previous_secret_expires_at: until,
        updated_at: now,
      });
      await this.log(tx, 'admin.webhook_secret_rotated', adminId, after ?? before, meta, {
        overlap_s: overlapS,
      });
      return { secret, previous_secret_expires_at: until === null ? null : new Date(until).toISOString() };
    });
  }

  private async found(db: Db | Tx, id: string): Promise<WebhookEndpointRow> {
    const row = await endpointsRepo.findById(db, id);
    if (!row) throw notFound('Webhook endpoint');
    return row;
  }

  private log(
    tx: Tx,
    action: string,
    adminId: string,
    e: WebhookEndpointRow,
    meta: RequestMeta,
    more: Record<string, unknown> = {},
  ): Promise<void> {
    return this.activity.record(tx, {
      action,
      actorId: adminId,
      targetType: 'webhook_endpoint',
      targetId: e.id,
      metadata: { url: e.url, event_types: JSON.parse(e.event_types) as unknown, ...more },
      ip: meta.ip,
      userAgent: meta.userAgent,
    });
  }
}
