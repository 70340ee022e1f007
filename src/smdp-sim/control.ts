/**
 * The simulator's control API (loopback, plain HTTP, no auth: a test and demo tool): play the phone
 * (download through an activation code or an ICCID, install, enable, disable, delete: each fires its
 * HandleDownloadProgressInfo callback), inject faults, read the pool and what was called.
 */
import type { FastifyInstance } from 'fastify';
import type { DeliveryOptions } from './callbacks.js';
import type { Fault } from './faults.js';
import type { StatusCodeData } from './functions.js';
import { PHONE_ACTIONS, PhoneError, phoneStep, type Notification, type PhoneAction } from './phone.js';
import type { Profile, ProfileState } from './pool.js';
import type { SimState } from './server.js';

interface StepBody extends DeliveryOptions {
  eid?: string;
  fail?: StatusCodeData;
  /** With download: install right after, both callbacks sent together (so outOfOrder can swap them). */
  install?: boolean;
}

interface DownloadBody extends StepBody {
  activationCode?: string;
  matchingId?: string;
}

const view = (p: Profile) => ({ ...p });

/** The matching ID of `LPA:1$<address>$<matchingId>[$...]`. */
function matchingIdOf(b: DownloadBody): string | undefined {
  if (b.matchingId) return b.matchingId;
  const parts = b.activationCode?.replace(/^LPA:/, '').split('$');
  return parts && parts[0] === '1' ? parts[2] : undefined;
}

export function controlRoutes(s: SimState) {
  return async (app: FastifyInstance) => {
    const run = async (p: Profile, actions: PhoneAction[], b: StepBody) => {
      const list: Notification[] = [];
      for (const [i, action] of actions.entries()) {
        const last = i === actions.length - 1;
        list.push(
          phoneStep(
            s.pool,
            p,
            action,
            { eid: b.eid, fail: last ? b.fail : undefined },
            {
              requester: s.requesterId,
              points: s.points,
              now: new Date(),
            },
          ),
        );
      }
      const deliveries = await s.sender.deliver(list, b);
      return { profile: view(p), notifications: list, deliveries };
    };

    app.setErrorHandler((err: Error, _req, reply) => {
      const status = err instanceof PhoneError ? 409 : ((err as { statusCode?: number }).statusCode ?? 500);
      return reply.code(status).send({ error: err.message });
    });

    app.get('/sim/status', async () => {
      const byState: Record<string, number> = {};
      for (const p of s.pool.list({ limit: Number.MAX_SAFE_INTEGER })) {
        byState[p.state] = (byState[p.state] ?? 0) + 1;
      }
      return {
        calls: s.calls,
        by_state: byState,
        faults: s.faults.pending(),
        callback_url: s.sender.callbackUrl,
      };
    });

    app.post<{ Body: { callbackUrl?: string | null } }>('/sim/config', async (req) => {
      if (req.body?.callbackUrl !== undefined) s.sender.callbackUrl = req.body.callbackUrl;
      return { callback_url: s.sender.callbackUrl };
    });

    app.get<{ Params: { iccid: string } }>('/sim/profiles/:iccid', async (req, reply) => {
      const p = s.pool.get(req.params.iccid);
      return p ? view(p) : reply.code(404).send({ error: 'unknown ICCID' });
    });

    app.get<{ Querystring: { type?: string; state?: ProfileState; limit?: string } }>(
      '/sim/pool.csv',
      async (req, reply) => {
        const rows = s.pool.list({ ...req.query, limit: Number(req.query.limit ?? 1000) });
        const csv = ['ICCID,IMSI,PROFILE_TYPE', ...rows.map((p) => `${p.iccid},${p.imsi},${p.profileType}`)];
        return reply.type('text/csv').send(csv.join('\n') + '\n');
      },
    );

    app.post<{ Params: { iccid: string; action: string }; Body: StepBody | null }>(
      '/sim/profiles/:iccid/:action',
      async (req, reply) => {
        const action = req.params.action as PhoneAction;
        if (!PHONE_ACTIONS.includes(action)) return reply.code(404).send({ error: 'unknown action' });
        const p = s.pool.get(req.params.iccid);
        if (!p) return reply.code(404).send({ error: 'unknown ICCID' });
        const b = req.body ?? {};
        return run(p, action === 'download' && b.install ? ['download', 'install'] : [action], b);
      },
    );

    // what an LPA does with the activation code: find the order by its matching ID and download it
    app.post<{ Body: DownloadBody | null }>('/sim/download', async (req, reply) => {
      const b = req.body ?? {};
      const id = matchingIdOf(b);
      const p = id ? s.pool.byMatching(id) : undefined;
      if (!p) return reply.code(404).send({ error: 'no order with this matching ID' });
      return run(p, b.install ? ['download', 'install'] : ['download'], b);
    });

    app.post<{ Body: Partial<Fault> & Partial<StatusCodeData> }>('/sim/faults', async (req, reply) => {
      const b = req.body ?? {};
      if (b.kind !== 'failed' && b.kind !== 'http500' && b.kind !== 'delay' && b.kind !== 'lost') {
        return reply.code(400).send({ error: 'kind is failed, http500, delay or lost' });
      }
      const code =
        b.kind === 'failed'
          ? { subjectCode: String(b.subjectCode), reasonCode: String(b.reasonCode), message: b.message }
          : undefined;
      s.faults.add({ fn: b.fn, kind: b.kind, code, delayMs: b.delayMs, times: b.times ?? 1 });
      return reply.code(201).send({ faults: s.faults.pending() });
    });

    app.delete('/sim/faults', async () => {
      s.faults.clear();
      return { faults: [] };
    });

    app.get('/sim/callbacks', async () => ({ deliveries: s.sender.log }));
  };
}
