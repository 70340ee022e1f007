/** The public shape of a user and the rules on emails every module shares. */
import { Type, type Static } from 'typebox';
import type { UserRow } from '../../db/types.js';
import { Id, NullableTimestamp, Nullable, Timestamp } from '../../http/schemas.js';
import { iso } from '../../lib/clock.js';

export const User = Type.Object(
  {
    id: Id,
    email: Type.String(),
    full_name: Nullable(Type.String()),
    phone_number: Nullable(Type.String()),
    role: Type.Enum(['user', 'admin']),
    status: Type.Enum(['active', 'suspended', 'deleted']),
    created_at: Timestamp,
    last_login_at: NullableTimestamp,
  },
  { $id: 'User' },
);
export type UserView = Static<typeof User>;

/** Never exposes the password hash: the view is built field by field. */
export function toUserView(u: UserRow): UserView {
  return {
    id: u.id,
    email: u.email,
    full_name: u.full_name,
    phone_number: u.phone_number,
    role: u.role,
    status: u.status,
    created_at: iso(u.created_at),
    last_login_at: iso(u.last_login_at),
  };
}

/**
 * Emails compare case-insensitively: stored trimmed, in Unicode NFC and lower-cased, with a unique index on
 * lower(email). Every path that takes an email (register, login, token, admin) goes through here.
 */
export function normaliseEmail(email: string): string {
  return email.trim().normalize('NFC').toLowerCase();
}

export const EmailField = Type.String({
  minLength: 3,
  maxLength: 254,
  pattern: '^\\s*[^@\\s]+@[^@\\s]+\\.[^@\\s]+\\s*$',
  description: 'an email address; compared case-insensitively',
});
export const PasswordField = Type.String({ minLength: 8, maxLength: 128 });
export const FullNameField = Type.String({ minLength: 1, maxLength: 200 });
export const PhoneField = Type.String({
  pattern: '^\\+?[0-9 ()-]{5,32}$',
  description: 'E.164 or local digits',
});
