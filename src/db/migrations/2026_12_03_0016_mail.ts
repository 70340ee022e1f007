import { sql, type Kysely } from 'kysely';

// E-mail (issue 13): the mail outbox, the single-use links of account e-mails, and two account columns.
//
// - `mail_outbox` (module `mail`): one row per e-mail, written in the transaction of the change it tells
//   about; `idempotency_key` (unique) makes a repeat of the same cause a no-op. The worker claims due rows
//   (`status = 'pending' and next_attempt_at <= now`), pushing `next_attempt_at` ahead as a lease, so a
//   process that dies mid-send leaves the row to be picked up again.
// - `account_tokens` (module `auth`): password-reset and e-mail verification links, stored only as
//   SHA-256 of the token, each usable once before `expires_at`.
// - `users.email_notifications` (0/1, default 1): usage and expiry e-mails on or off.
// - `users.email_verified_at`: when the address was proven by a verification (or reset) link.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('mail_outbox')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('idempotency_key', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('recipient', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('text_body', 'text', (c) => c.notNull())
    .addColumn('html_body', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('sent_at', 'bigint')
    .addCheckConstraint('mail_outbox_status_check', sql`status in ('pending', 'sent', 'failed')`)
    .addCheckConstraint('mail_outbox_attempts_check', sql`attempts between 0 and 1000`)
    .addCheckConstraint('mail_outbox_key_check', sql`length(idempotency_key) between 1 and 200`)
    .addCheckConstraint('mail_outbox_recipient_check', sql`length(recipient) between 3 and 254`)
    .addCheckConstraint('mail_outbox_subject_check', sql`length(subject) between 1 and 300`)
    .execute();
  await db.schema
    .createIndex('mail_outbox_key_uq')
    .on('mail_outbox')
    .column('idempotency_key')
    .unique()
    .execute();
  await db.schema
    .createIndex('mail_outbox_due_idx')
    .on('mail_outbox')
    .columns(['status', 'next_attempt_at'])
    .execute();

  await db.schema
    .createTable('account_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .addCheckConstraint('account_tokens_purpose_check', sql`purpose in ('password_reset', 'verify_email')`)
    .addCheckConstraint('account_tokens_expires_at_check', sql`expires_at > created_at`)
    .execute();
  await db.schema
    .createIndex('account_tokens_hash_uq')
    .on('account_tokens')
    .column('token_hash')
    .unique()
    .execute();
  await db.schema
    .createIndex('account_tokens_user_idx')
    .on('account_tokens')
    .columns(['user_id', 'purpose', 'created_at'])
    .execute();

  await db.schema
    .alterTable('users')
    .addColumn('email_notifications', 'integer', (c) =>
      c
        .notNull()
        .defaultTo(1)
        .check(sql`email_notifications in (0, 1)`),
    )
    .execute();
  await db.schema.alterTable('users').addColumn('email_verified_at', 'bigint').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('users').dropColumn('email_verified_at').execute();
  await db.schema.alterTable('users').dropColumn('email_notifications').execute();
  await db.schema.dropTable('account_tokens').execute();
  await db.schema.dropTable('mail_outbox').execute();
}
