/** TypeBox shapes of the account e-mail routes: password reset and e-mail verification. */
import { Type } from 'typebox';
import { Timestamp } from '../../http/schemas.js';
import { EmailField, PasswordField } from '../users/schemas.js';

/** The token of a link: 32 random bytes in base64url (43 characters); bounded either way. */
const LinkToken = Type.String({ minLength: 20, maxLength: 200, pattern: '^[A-Za-z0-9_-]+$' });

export const PasswordResetBody = Type.Object({ email: EmailField }, { additionalProperties: false });

export const PasswordResetAccepted = Type.Object({
  status: Type.Literal('accepted'),
  detail: Type.String(),
});

export const PasswordResetConfirmBody = Type.Object(
  { token: LinkToken, new_password: PasswordField },
  { additionalProperties: false },
);

export const VerifyEmailBody = Type.Object({ token: LinkToken }, { additionalProperties: false });

export const EmailVerified = Type.Object({ email_verified_at: Timestamp });

export const LinkSent = Type.Object({ status: Type.Literal('sent'), detail: Type.String() });
