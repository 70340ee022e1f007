/**
 * The SM-DP+ simulator's two listeners: the ES2+ endpoint (mutual TLS, TLS 1.2+, client certificates
 * checked against the simulator's CA; plain HTTP with `plain`) and the control API on loopback that plays
 * the phone and injects faults (src/smdp-sim/control.ts). Both are plain Fastify without the service's
 * plugins: this is a stand-in for someone else's server.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { CallbackSender } from './callbacks.js';
import { controlRoutes } from './control.js';
import { Faults } from './faults.js';
import { Es2Functions } from './functions.js';
import { ensurePki, type PkiFiles } from './pki.js';
import { DEFAULT_POINTS, type NotificationPoints } from './phone.js';
import { Pool, type Profile } from './pool.js';

export const ES2_FUNCTIONS = ['downloadOrder', 'confirmOrder', 'cancelOrder', 'releaseProfile'] as const;
const PROTOCOL = 'gsma/rsp/v2.2.0';

export interface SimulatorOptions {
  host?: string;
  port?: number;
  controlPort?: number;
  plain?: boolean;
  pkiDir: string;
  profiles: Profile[];
  /** `smdpAddress` in ConfirmOrder answers; null leaves it out. */
  smdpAddress?: string | null;
  /** Our functionRequesterIdentifier in callbacks. */
  requesterId?: string;
  callbackUrl?: string | null;
  points?: NotificationPoints;
  /** The Content-Type of answers (a real SM-DP+ may add `;charset=UTF-8`). */
  contentType?: string;
}

export interface SimState {
  pool: Pool;
  functions: Es2Functions;
  faults: Faults;
  sender: CallbackSender;
  points: NotificationPoints;
  requesterId: string;
  calls: Record<string, number>;
}

export interface Simulator {
  es2Url: string;
  controlUrl: string;
  pki: PkiFiles;
  state: SimState;
  close(): Promise<void>;
}

function es2Routes(app: FastifyInstance, s: SimState, contentType: string): void {
  app.addHook('onSend', async (_req, reply) => {
    reply.header('x-admin-protocol', PROTOCOL);
  });
  app.post<{ Params: { fn: string }; Body: Record<string, unknown> }>(
    '/gsma/rsp2/es2plus/:fn',
    async (request, reply) => {
      const { fn } = request.params;
      if (!(ES2_FUNCTIONS as readonly string[]).includes(fn)) return reply.code(404).send();
      s.calls[fn] = (s.calls[fn] ?? 0) + 1;
      const proto = request.headers['x-admin-protocol'];
      const header = request.body?.header as Record<string, unknown> | undefined;
      if (typeof proto !== 'string' || !proto.startsWith('gsma/rsp/v2.')) {
        return reply.code(400).send({ error: 'X-Admin-Protocol gsma/rsp/v2.x is required' });
      }
      if (
        typeof header?.functionRequesterIdentifier !== 'string' ||
        typeof header.functionCallIdentifier !== 'string'
      ) {
        return reply
          .code(400)
          .send({ error: 'header.functionRequesterIdentifier and functionCallIdentifier' });
      }
      const fault = s.faults.take(fn);
      if (fault?.kind === 'http500') return reply.code(500).send({ error: 'injected' });
      if (fault?.kind === 'delay') await new Promise((r) => setTimeout(r, fault.delayMs ?? 0));
      const outcome =
        fault?.kind === 'failed' && fault.code
          ? { ok: false as const, code: fault.code }
          : s.functions.run(fn, header.functionRequesterIdentifier, request.body);
      if (fault?.kind === 'lost') {
        // done here, but the caller never hears of it
        reply.hijack();
        request.raw.socket.destroy();
        return reply;
      }
      const status = outcome.ok
        ? { status: 'Executed-Success' }
        : { status: 'Failed', statusCodeData: outcome.code };
      const body = { header: { functionExecutionStatus: status }, ...(outcome.ok ? outcome.body : {}) };
      return reply.code(200).type(contentType).send(JSON.stringify(body));
    },
  );
}

export async function startSimulator(o: SimulatorOptions): Promise<Simulator> {
  const host = o.host ?? '127.0.0.1';
  const pki = await ensurePki(o.pkiDir);
  const pool = new Pool(o.profiles);
  const state: SimState = {
    pool,
    functions: new Es2Functions(pool, {
      smdpAddress: o.smdpAddress === undefined ? 'smdp.sim.kswifi.test' : o.smdpAddress,
    }),
    faults: new Faults(),
    sender: new CallbackSender({ callbackUrl: o.callbackUrl ?? null, ca: pki.ca, client: pki.smdpClient }),
    points: o.points ?? DEFAULT_POINTS,
    requesterId: o.requesterId ?? 'smdp.sim.kswifi.test',
    calls: {},
  };
  const es2 = Fastify({
    logger: false,
    keepAliveTimeout: 30_000,
    ...(o.plain
      ? {}
      : {
          https: {
            key: pki.smdpServer.key,
            cert: pki.smdpServer.cert,
            ca: pki.ca,
            requestCert: true,
            rejectUnauthorized: true,
            minVersion: 'TLSv1.2' as const,
          },
        }),
  });
  es2Routes(es2 as unknown as FastifyInstance, state, o.contentType ?? 'application/json');
  const control = Fastify({ logger: false });
  await control.register(controlRoutes(state));
  await es2.listen({ host, port: o.port ?? 0 });
  await control.listen({ host, port: o.controlPort ?? 0 });
  const port = (es2.server.address() as AddressInfo).port;
  const cport = (control.server.address() as AddressInfo).port;
  const es2Host = host === '127.0.0.1' && !o.plain ? 'localhost' : host;
  return {
    es2Url: `${o.plain ? 'http' : 'https'}://${es2Host}:${port}`,
    controlUrl: `http://${host}:${cport}`,
    pki,
    state,
    async close() {
      await control.close();
      await es2.close();
      await state.sender.close();
    },
  };
}
