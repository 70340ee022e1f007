/**
 * TypeBox shapes of accounts: the public user, the fields other modules' bodies reuse (email, password,
 * name, phone), the caller's own edits and the operators' queries, patches and grants.
 */
import { Type, type Static } from 'typebox';
import { Id, ListQuery, Nullable, NullableTimestamp, ReasonField, Timestamp } from '../../http/schemas.js';

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
    email_verified_at: Type.Union([Timestamp, Type.Null()], {
      description: 'when the address was confirmed by a link; null: not yet',
    }),
    email_notifications: Type.Boolean({
      description: 'usage and expiry e-mails on (account e-mails always go)',
    }),
  },
  { $id: 'User' },
);
export type UserView = Static<typeof User>;

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

// ---- the caller's own account ---------------------------------------------------------------------

export const ProfilePatch = Type.Object(
  {
    full_name: Type.Optional(Nullable(FullNameField)),
    phone_number: Type.Optional(Nullable(PhoneField)),
    email_notifications: Type.Optional(
      Type.Boolean({ description: 'false turns the usage and expiry e-mails off' }),
    ),
  },
  { additionalProperties: false },
);
export type ProfilePatch = Static<typeof ProfilePatch>;

export const PasswordChange = Type.Object(
  { current_password: Type.String({ minLength: 1, maxLength: 128 }), new_password: PasswordField },
  { additionalProperties: false },
);

// ---- the operators' user administration -----------------------------------------------------------

const Reason = ReasonField;

export const UserListQuery = Type.Object(
  {
    query: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 254,
        description: 'case-insensitive substring of the email or the full name',
      }),
    ),
    status: Type.Optional(
      Type.Enum(['active', 'suspended', 'deleted'], {
        description: 'without it, deleted accounts are left out',
      }),
    ),
    role: Type.Optional(Type.Enum(['user', 'admin'])),
    ...ListQuery,
  },
  { additionalProperties: false },
);
export type UserListQuery = Static<typeof UserListQuery>;

export const AdminUserDetail = Type.Object(
  {
    ...User.properties,
    deleted_at: NullableTimestamp,
    packs_count: Type.Integer({ minimum: 0, description: 'packs of every status' }),
    esims_count: Type.Integer({ minimum: 0, description: 'eSIMs that are not deleted' }),
    used_bytes: Type.Integer({ minimum: 0, description: 'bytes debited from the user packs' }),
  },
  { additionalProperties: false },
);
export type AdminUserDetail = Static<typeof AdminUserDetail>;

export const UserPatch = Type.Object(
  {
    status: Type.Optional(Type.Enum(['active', 'suspended'])),
    role: Type.Optional(Type.Enum(['user', 'admin'])),
    reason: Type.Optional(Reason),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UserPatch = Static<typeof UserPatch>;

export const ReasonQuery = Type.Object({ reason: Type.Optional(Reason) }, { additionalProperties: false });
export const DeleteUserBody = Type.Union([ReasonQuery, Type.Null()]);
