/**
 * The mail tests' environment: per dialect, an app whose SMTP_URL points at an in-process SMTP server
 * (test/fixtures/smtp.ts), with a short retry schedule and a fixed link base. Mails are sent by calling
 * the worker (`deliver()`), so each test decides when they go.
 */
import { after, before, describe } from 'node:test';
import { DIALECTS, createEnv, dialectSkip, type TestEnv } from '../../helper.js';
import { startSmtpCatcher, type ReceivedMail, type SmtpCatcher } from '../../fixtures/smtp.js';
import type { Dialect } from '../../../src/db/index.js';

export const APP_URL = 'https://app.kswifi.test';

export interface MailEnv {
  env: TestEnv;
  smtp: SmtpCatcher;
  /** Runs the mail worker once (everything due now) and answers what it did. */
  deliver(): Promise<{ sent: number; retried: number; failed: number }>;
  /** The mails received for `to` so far. */
  mailsTo(to: string): ReceivedMail[];
}

export function forEachDialectWithSmtp(
  name: string,
  body: (ctx: { mail: () => MailEnv; dialect: Dialect }) => void,
  overrides: Record<string, string> = {},
): void {
  for (const dialect of DIALECTS) {
    const skip = dialectSkip(dialect);
    describe(`${name} [${dialect}]`, { skip }, () => {
      let ctx: MailEnv | undefined;
      before(async () => {
        const smtp = await startSmtpCatcher();
        const env = await createEnv(dialect, {
          SMTP_URL: smtp.url,
          MAIL_FROM: 'KSWiFi <hello@kswifi.test>',
          MAIL_RETRY_SCHEDULE_S: '1,1',
          PUBLIC_APP_URL: APP_URL,
          ...overrides,
        });
        ctx = {
          env,
          smtp,
          deliver: () => env.app.services.mail.worker.runOnce(),
          mailsTo: (to) => smtp.mails.filter((m) => m.to.includes(to)),
        };
      });
      after(async () => {
        await ctx?.env.close();
        await ctx?.smtp.close();
      });
      body({
        dialect,
        mail: () => {
          if (!ctx) throw new Error('environment not ready');
          return ctx;
        },
      });
    });
  }
}
