/** TypeBox shapes of sign-up, sign-in and sessions: the bodies, the token form and the answers. */
import { Type } from 'typebox';
import { ref } from '../../http/schemas.js';
import { EmailField, FullNameField, PasswordField, PhoneField, User } from '../users/schemas.js';

export const TokensSchema = Type.Object(
  {
    access_token: Type.String(),
    token_type: Type.Literal('bearer'),
    expires_in: Type.Integer({ description: 'seconds until the access token expires' }),
    refresh_token: Type.String(),
  },
  { $id: 'Tokens' },
);
export const TokensRef = ref(TokensSchema);
const UserRef = ref(User);

export const RegisterBody = Type.Object(
  {
    email: EmailField,
    password: PasswordField,
    full_name: Type.Optional(FullNameField),
    phone_number: Type.Optional(PhoneField),
  },
  { additionalProperties: false },
);

export const LoginBody = Type.Object(
  {
    email: Type.String({ minLength: 1, maxLength: 254 }),
    password: Type.String({ minLength: 1, maxLength: 128 }),
  },
  { additionalProperties: false },
);

export const TokenForm = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 254 }),
    password: Type.String({ minLength: 1, maxLength: 128 }),
    grant_type: Type.Optional(Type.Literal('password')),
    scope: Type.Optional(Type.String({ maxLength: 200 })),
    client_id: Type.Optional(Type.String({ maxLength: 200 })),
    client_secret: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);

export const RefreshBody = Type.Object(
  { refresh_token: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);

export const Session = Type.Object({ user: UserRef, tokens: TokensRef });
export const RefreshAnswer = Type.Object({ tokens: TokensRef });

/** The tokens a web page gets: the refresh token stays in the HttpOnly cookie (browser.routes.ts). */
export const AccessTokenSchema = Type.Object(
  {
    access_token: Type.String(),
    token_type: Type.Literal('bearer'),
    expires_in: Type.Integer({ description: 'seconds until the access token expires' }),
  },
  { $id: 'AccessToken' },
);
const AccessTokenRef = ref(AccessTokenSchema);
export const BrowserSession = Type.Object({ user: UserRef, tokens: AccessTokenRef });
export const BrowserRefreshAnswer = Type.Object({ tokens: AccessTokenRef });
