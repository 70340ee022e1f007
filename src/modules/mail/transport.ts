/**
 * Where mail goes: an SMTP server through nodemailer when SMTP_URL is set, otherwise the log (so the
 * service runs with nothing else installed, and a developer can read the links in the console).
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Transporter } from 'nodemailer';

export interface OutgoingMail {
  /** Our id for the mail, sent as the Message-ID so a relay or the receiver can tell repeats apart. */
  id: string;
  to: string;
  subject: string;
  text: string;
  html: string;
}

export interface MailTransport {
  readonly name: 'smtp' | 'log';
  /** Resolves when the server accepted the mail; rejects with the server's reason otherwise. */
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

export interface SmtpSettings {
  url: string;
  from: string;
  /** Per connection, greeting and socket; a slow server counts as a failure and is retried later. */
  timeoutMs?: number;
}

export function smtpTransport(s: SmtpSettings): MailTransport {
  const timeout = s.timeoutMs ?? 10_000;
  const domain = s.from.match(/@([^>\s]+)/)?.[1] ?? 'kswifi.invalid';
  // nodemailer is loaded at the first send, and only when SMTP is configured
  let transporter: Promise<Transporter> | undefined;
  const open = async (): Promise<Transporter> => {
    const { default: nodemailer } = await import('nodemailer');
    return nodemailer.createTransport({
      url: s.url,
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
    });
  };
  return {
    name: 'smtp',
    async send(m) {
      transporter ??= open();
      await (
        await transporter
      ).sendMail({
        from: s.from,
        to: m.to,
        subject: m.subject,
        text: m.text,
        html: m.html,
        messageId: `<${m.id}@${domain}>`,
      });
    },
    close: () => {
      void transporter?.then((t) => t.close()).catch(() => undefined);
    },
  };
}

export function logTransport(log: FastifyBaseLogger): MailTransport {
  return {
    name: 'log',
    async send(m) {
      log.info({ mail_id: m.id, to: m.to, subject: m.subject, text: m.text }, 'mail (SMTP_URL is not set)');
    },
    close: () => undefined,
  };
}
