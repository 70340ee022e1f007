/**
 * Every error leaves as RFC 9457 problem+json: AppError from the services, Fastify's validation and
 * content-type errors, rate limiting, unknown routes, and anything unexpected (500, never internals).
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { classifyDbError } from '../db/errors.js';
import { AppError, type FieldError } from '../errors.js';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  402: 'Payment Required',
  409: 'Conflict',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

interface AjvIssue {
  instancePath: string;
  message?: string;
  keyword: string;
  params: Record<string, unknown>;
}

/** Ajv issues → `{field: "body.email", message}`, one entry per field and problem. */
export function fieldErrors(issues: AjvIssue[], context: string): FieldError[] {
  const out: FieldError[] = [];
  const seen = new Set<string>();
  const located = new Set(issues.filter((i) => i.keyword !== 'anyOf').map((i) => i.instancePath));
  for (const issue of issues) {
    // Nullable(X) is anyOf [X, null]: its "must be null" branch and the anyOf summary only repeat X's issue
    if (issue.keyword === 'type' && issue.params.type === 'null') continue;
    if (issue.keyword === 'anyOf' && located.has(issue.instancePath)) continue;
    let path = issue.instancePath.replace(/^\//, '').replace(/\//g, '.');
    let message = issue.message ?? 'is invalid';
    if (issue.keyword === 'required') {
      path = [path, String(issue.params.missingProperty)].filter(Boolean).join('.');
      message = 'is required';
    } else if (issue.keyword === 'pattern') {
      message = 'has an invalid format';
    } else if (issue.keyword === 'format') {
      message = `must be a valid ${String(issue.params.format)}`;
    } else if (issue.keyword === 'additionalProperties') {
      path = [path, String(issue.params.additionalProperty)].filter(Boolean).join('.');
      message = 'is not an allowed field';
    }
    const field = path ? `${context}.${path}` : context;
    const key = `${field}|${message}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push({ field, message });
    }
  }
  return out;
}

export function sendProblem(
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  code: string,
  detail: string,
  errors?: FieldError[],
): FastifyReply {
  return reply
    .code(status)
    .type('application/problem+json; charset=utf-8')
    .send({
      type: 'about:blank',
      title: TITLES[status] ?? 'Error',
      status,
      detail,
      code,
      ...(errors ? { errors } : {}),
      request_id: request.id,
    });
}

type Classified = {
  status: number;
  code: string;
  detail: string;
  errors?: FieldError[];
  headers?: Record<string, string>;
};

/** Fastify's own errors (parsing, routing) with the stable code and plain words a client gets. */
const FRAMEWORK: Record<string, Classified> = {
  FST_ERR_CTP_BODY_TOO_LARGE: {
    status: 413,
    code: 'BODY_TOO_LARGE',
    detail: 'The request body is too large',
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
    detail: 'This route does not accept that content type (JSON routes take application/json)',
  },
  FST_ERR_CTP_INVALID_JSON_BODY: {
    status: 400,
    code: 'MALFORMED_JSON',
    detail: 'The body is not valid JSON',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'MALFORMED_JSON', detail: 'The body is not valid JSON' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    status: 400,
    code: 'BAD_CONTENT_LENGTH',
    detail: 'Content-Length does not match the body',
  },
  FST_ERR_BAD_URL: { status: 400, code: 'BAD_URL', detail: 'The address is not validly encoded' },
  FST_ERR_MAX_PARAM_LENGTH: {
    status: 414,
    code: 'PATH_PARAMETER_TOO_LONG',
    detail: 'A value in the address is too long',
  },
  FST_ERR_INVALID_URL: { status: 400, code: 'BAD_URL', detail: 'The address is not valid' },
  FST_ERR_ASYNC_CONSTRAINT: { status: 400, code: 'BAD_REQUEST', detail: 'The request could not be routed' },
};

function classify(err: FastifyError): Classified {
  if (err.validation) {
    const errors = fieldErrors(err.validation as AjvIssue[], err.validationContext ?? 'body');
    return { status: 400, code: 'VALIDATION_FAILED', detail: 'The request is invalid', errors };
  }
  const known = err.code ? FRAMEWORK[err.code] : undefined;
  if (known) return known;
  if (err instanceof SyntaxError)
    return { status: 400, code: 'MALFORMED_JSON', detail: 'The body is not valid JSON' };
  const db = classifyDbError(err);
  if (db) return db;
  const status = err.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    // another framework 4xx: a stable code of ours, never Fastify's internal one
    const code = err.code && !err.code.startsWith('FST_') ? err.code : 'BAD_REQUEST';
    return { status, code, detail: err.message };
  }
  return { status: 500, code: 'INTERNAL', detail: 'An unexpected error occurred' };
}

/** Fastify's `frameworkErrors` option: routing errors raised before any hook, as problems too. */
export function frameworkErrorHandler(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const p = classify(err);
  void sendProblem(request, reply, p.status, p.code, p.detail);
}

export const errorsPlugin = fp(async (app: FastifyInstance) => {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err instanceof AppError) {
      if (err.headers) reply.headers(err.headers);
      return sendProblem(request, reply, err.status, err.code, err.message, err.errors);
    }
    const p = classify(err);
    if (p.headers) reply.headers(p.headers);
    // a database outage is expected and already visible in /ready: one short line per request, no stack
    if (p.code === 'DATABASE_UNAVAILABLE') request.log.warn({ err: err.message }, 'database unavailable');
    // the validator should have stopped it: worth a look, but the client's answer is already right
    else if (p.code === 'CONSTRAINT_VIOLATED')
      request.log.warn({ err: err.message }, 'database refused a value');
    else if (p.status >= 500) request.log.error({ err }, 'unhandled error');
    if (p.status === 401) reply.header('www-authenticate', 'Bearer');
    return sendProblem(request, reply, p.status, p.code, p.detail, p.errors);
  });

  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      request,
      reply,
      404,
      'NOT_FOUND',
      `No route for ${request.method} ${request.url.split('?')[0]}`,
    ),
  );
});
