/**
 * TypeBox shapes of the operators' view of the mail outbox. The bodies are never shown: they may hold the
 * links of password-reset and verification mails.
 */
import { Type, type Static } from 'typebox';
import { Id, ListQuery, Nullable, NullableTimestamp, Timestamp } from '../../http/schemas.js';

const MailStatus = Type.Enum(['pending', 'sent', 'failed']);

export const OutboxMail = Type.Object(
  {
    id: Id,
    kind: Type.String({ description: 'the template: `usage_80`, `password_reset`, `verify_email` …' }),
    user_id: Nullable(Id),
    recipient: Type.String(),
    subject: Type.String(),
    status: MailStatus,
    attempts: Type.Integer({ minimum: 0, description: 'sends tried so far' }),
    next_attempt_at: Type.Union([Timestamp, Type.Null()], {
      description: 'when a pending mail is tried next',
    }),
    last_error: Nullable(Type.String()),
    created_at: Timestamp,
    sent_at: NullableTimestamp,
  },
  { $id: 'OutboxMail' },
);
export type OutboxMailView = Static<typeof OutboxMail>;

export const MailListQuery = Type.Object(
  {
    status: Type.Optional(MailStatus),
    user_id: Type.Optional(Id),
    ...ListQuery,
  },
  { additionalProperties: false },
);
export type MailListQuery = Static<typeof MailListQuery>;
