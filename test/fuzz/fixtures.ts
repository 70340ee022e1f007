/**
 * Real rows for the fuzz run, made through the API (plus one notification through its repository, as only
 * the sweep writes them): so path ids are real, owned ids and every operation reaches its service logic.
 *
 * Operations that change or end the row they act on get a row of their own (a pack to cancel, an eSIM to
 * delete, a user to suspend, a key to revoke...), so a mutation that legitimately succeeds never breaks the
 * fixtures the other operations run on. The fuzzing user and the admin are never the target of an admin
 * user operation, and the password-change route runs as a user of its own.
 */
import type { FastifyInstance, InjectOptions } from 'fastify';
import type { Db } from '../../src/db/index.js';
import { alertsRepo } from '../../src/modules/alerts/repository.js';
import { eventsRepo } from '../../src/modules/events/repository.js';
import { mailRepo } from '../../src/modules/mail/repository.js';
import { notificationsRepo } from '../../src/modules/notifications/repository.js';
import { adminSession, registerUser, uniqueEmail, type Session } from '../helper.js';
import type { Operation } from './walk.js';

export interface Fixtures {
  admin: Session;
  user: Session;
  /** Someone else: their ids must be 404 to `user`. */
  other: Session;
  /** Runs POST /users/me/password (it changes its password and ends its other sessions). */
  pwUser: Session;
  /** Logs in through /auth/login (failed logins lock it for a while). */
  loginUser: Session;
  /** Logs in through /auth/token (a user of its own, for the same reason). */
  tokenUser: Session;
  /** Its refresh token is what /auth/refresh and /auth/logout are fuzzed with. */
  refreshUser: Session;
  /** Its refresh token is the session cookie /auth/browser/refresh and /auth/browser/logout get. */
  browserUser: Session;
  apiKey: string;
  ids: Record<string, string>;
  otherIds: Record<string, string>;
  iccid: string;
  /** Live tokens of e-mailed links (each used by its operation's baseline). */
  resetToken: string;
  verifyToken: string;
}

/** The token of the newest link mailed to `email` (read from the mail outbox, as the user reads the mail). */
export async function linkTokenOf(db: Db, email: string): Promise<string> {
  const mails = await mailRepo.list(db, { limit: 500 });
  const text = mails.find((m) => m.recipient === email && m.text_body.includes('#token='))?.text_body;
  const token = text ? /#token=([A-Za-z0-9_-]+)/.exec(text)?.[1] : undefined;
  if (!token) throw new Error(`fixture: no link was mailed to ${email}`);
  return token;
}

async function ok<T>(app: FastifyInstance, opts: InjectOptions): Promise<T> {
  const res = await app.inject(opts);
  if (res.statusCode >= 300)
    throw new Error(`fixture ${JSON.stringify(opts)} failed: ${res.statusCode} ${res.body}`);
  return res.json<T>();
}

let codeSeq = 0;
export function planCode(): string {
  codeSeq += 1;
  return `FZ-${process.pid}-${Date.now().toString(36).toUpperCase()}-${codeSeq}`;
}

export async function createFixtures(app: FastifyInstance, db: Db): Promise<Fixtures> {
  const admin = await adminSession(app);
  const user = await registerUser(app);
  const other = await registerUser(app);
  const pwUser = await registerUser(app);
  const loginUser = await registerUser(app, uniqueEmail('login'));
  const tokenUser = await registerUser(app, uniqueEmail('token'));
  const refreshUser = await registerUser(app);
  const browserUser = await registerUser(app);
  const post = <T>(s: Session, url: string, payload: object) =>
    ok<T>(app, { method: 'POST', url, headers: s.headers, payload });

  const plan = async () =>
    (
      await post<{ id: string }>(admin, '/api/v1/admin/plans', {
        code: planCode(),
        name: 'Fuzz plan',
        data_bytes: 1_000_000_000,
        validity_days: 30,
        price_cents: 500,
        currency: 'EUR',
        countries: ['FR', 'DE'],
      })
    ).id;
  const esim = async (s: Session) =>
    post<{ id: string; iccid: string }>(s, '/api/v1/esims', { label: 'fuzz' });
  const pack = async (s: Session, planId: string, esimId?: string) =>
    (
      await post<{ id: string }>(s, '/api/v1/packs', {
        plan_id: planId,
        ...(esimId ? { esim_id: esimId } : {}),
      })
    ).id;
  const key = async (name: string) =>
    post<{ id: string; key: string }>(admin, '/api/v1/admin/api-keys', { name });

  const planId = await plan();
  const mainEsim = await esim(user);
  const ids: Record<string, string> = {
    plan: planId,
    planPatch: await plan(),
    esim: mainEsim.id,
    esimDelete: (await esim(user)).id,
    esimStatus: (await esim(user)).id,
    pack: await pack(user, planId, mainEsim.id),
    packActivate: await pack(user, planId, mainEsim.id),
    packCancel: await pack(user, planId),
    user: user.id,
    userPatch: (await registerUser(app)).id,
    userDelete: (await registerUser(app)).id,
    apiKeyRevoke: (await key('fuzz revoke')).id,
  };
  const apiKey = (await key('fuzz feed')).key;
  // orders (payments): the order of a pack, found through the owner's order list
  const orderOf = async (s: Session, packId: string) => {
    const list = await ok<{ items: { id: string; pack_id: string | null }[] }>(app, {
      method: 'GET',
      url: '/api/v1/orders?limit=200',
      headers: s.headers,
    });
    const found = list.items.find((o) => o.pack_id === packId);
    if (!found) throw new Error('fixture order missing');
    return found.id;
  };
  ids.order = await orderOf(user, ids.pack!);
  ids.orderRefund = await orderOf(user, await pack(user, planId));

  const otherEsim = await esim(other);
  const otherIds: Record<string, string> = {
    esim: otherEsim.id,
    pack: await pack(other, planId, otherEsim.id),
  };
  otherIds.order = await orderOf(other, otherIds.pack!);
  for (const [s, into] of [
    [user, ids],
    [other, otherIds],
  ] as const) {
    await notificationsRepo.insertOnce(db, {
      userId: s.id,
      type: 'usage_50',
      packId: into.pack ?? null,
      esimId: null,
      message: 'fuzz notification',
      at: Date.now(),
    });
    const list = await ok<{ items: { id: string }[] }>(app, {
      method: 'GET',
      url: '/api/v1/notifications',
      headers: s.headers,
    });
    const first = list.items[0];
    if (!first) throw new Error('fixture notification missing');
    into.notification = first.id;
  }
  await alertsRepo.raise(db, { kind: 'fuzz.fixture', message: 'fuzz alert', at: Date.now() });
  const alerts = await ok<{ items: { id: string }[] }>(app, {
    method: 'GET',
    url: '/api/v1/admin/alerts?kind=fuzz.fixture',
    headers: admin.headers,
  });
  if (!alerts.items[0]) throw new Error('fixture alert missing');
  ids.alert = alerts.items[0].id;
  Object.assign(ids, await webhookFixtures(app, db, admin));
  const resetUser = await registerUser(app, uniqueEmail('reset'));
  await ok(app, { method: 'POST', url: '/api/v1/auth/password-reset', payload: { email: resetUser.email } });
  const verifyUser = await registerUser(app, uniqueEmail('verify'));
  const [anyMail] = await mailRepo.list(db, { limit: 1 });
  if (!anyMail) throw new Error('fixture mail missing');
  ids.mail = anyMail.id;
  return {
    admin,
    user,
    other,
    pwUser,
    loginUser,
    tokenUser,
    refreshUser,
    browserUser,
    apiKey,
    ids,
    otherIds,
    iccid: mainEsim.iccid,
    resetToken: await linkTokenOf(db, resetUser.email),
    verifyToken: await linkTokenOf(db, verifyUser.email),
  };
}

/**
 * Two webhook endpoints (one to delete) at a public address literal (no DNS lookup needed), and one
 * delivery, from an event emitted through the outbox.
 */
async function webhookFixtures(app: FastifyInstance, db: Db, admin: Session) {
  const endpoint = async () =>
    (
      await ok<{ id: string }>(app, {
        method: 'POST',
        url: '/api/v1/admin/webhooks',
        headers: admin.headers,
        payload: { url: 'https://93.184.216.34/kswifi-fuzz', event_types: ['pack.expiring'] },
      })
    ).id;
  const webhook = await endpoint();
  const webhookDelete = await endpoint();
  const webhookPatch = await endpoint();
  await eventsRepo.emit(db, { type: 'pack.expiring', userId: null, at: Date.now(), data: {} });
  const deliveries = await ok<{ items: { id: string }[] }>(app, {
    method: 'GET',
    url: `/api/v1/admin/webhooks/${webhook}/deliveries`,
    headers: admin.headers,
  });
  if (!deliveries.items[0]) throw new Error('fixture webhook delivery missing');
  return { webhook, webhookDelete, webhookPatch, webhookDelivery: deliveries.items[0].id };
}

/** Which fixture id a path `{id}` of the operation takes (own), and whose id must be a 404 (other). */
export function pathIds(op: Operation, fx: Fixtures): { own: string; other?: string } {
  const special: Record<string, string> = {
    'PATCH /api/v1/admin/plans/{id}': 'planPatch',
    'POST /api/v1/packs/{id}/activate': 'packActivate',
    'POST /api/v1/packs/{id}/cancel': 'packCancel',
    'DELETE /api/v1/esims/{id}': 'esimDelete',
    'POST /api/v1/admin/esims/{id}/status': 'esimStatus',
    'DELETE /api/v1/admin/api-keys/{id}': 'apiKeyRevoke',
    'PATCH /api/v1/admin/users/{id}': 'userPatch',
    'DELETE /api/v1/admin/users/{id}': 'userDelete',
    'DELETE /api/v1/admin/webhooks/{id}': 'webhookDelete',
    'PATCH /api/v1/admin/webhooks/{id}': 'webhookPatch',
    'POST /api/v1/admin/orders/{id}/refund': 'orderRefund',
  };
  const byResource: Record<string, string> = {
    plans: 'plan',
    packs: 'pack',
    esims: 'esim',
    notifications: 'notification',
    alerts: 'alert',
    webhooks: 'webhook',
    'webhook-deliveries': 'webhookDelivery',
    users: 'user',
    orders: 'order',
    mail: 'mail',
  };
  const m = /\/([a-z-]+)\/\{id\}/.exec(op.path);
  const name = special[op.key] ?? (m?.[1] ? byResource[m[1]] : undefined);
  const own = name ? fx.ids[name] : undefined;
  if (!name || !own)
    throw new Error(`the fuzz fixtures have no id for ${op.key}: add one in test/fuzz/fixtures.ts`);
  // only a user's own resources are private; plans are public and admin routes see everyone's rows
  const other = op.credentials === 'user' ? fx.otherIds[name] : undefined;
  return { own, other };
}
