import type { FastifyRequest } from 'fastify';
import type { RequestMeta } from '../modules/activity/service.js';

/** The request's origin, for the activity log. */
export function requestMeta(request: FastifyRequest): RequestMeta {
  const ua = request.headers['user-agent'];
  return { ip: request.ip ?? null, userAgent: typeof ua === 'string' ? ua : null };
}
