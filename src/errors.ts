/**
 * The one error hierarchy. Services throw these; plugins/errors.ts maps every one of them, and every
 * framework error, to an RFC 9457 problem+json answer.
 */
export interface FieldError {
  field: string;
  message: string;
}

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly errors?: FieldError[],
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const badRequest = (code: string, detail: string, errors?: FieldError[]) =>
  new AppError(400, code, detail, errors);
export const unauthorized = (code: string, detail: string) =>
  new AppError(401, code, detail, undefined, { 'www-authenticate': 'Bearer' });
export const forbidden = (code: string, detail: string) => new AppError(403, code, detail);
export const notFound = (what: string) => new AppError(404, 'NOT_FOUND', `${what} not found`);
export const conflict = (code: string, detail: string) => new AppError(409, code, detail);
export const tooManyRequests = (code: string, detail: string, retryAfterS: number) =>
  new AppError(429, code, detail, undefined, { 'retry-after': String(Math.max(1, Math.ceil(retryAfterS))) });
