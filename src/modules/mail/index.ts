/**
 * E-mail to customers: the `mail_outbox` table, the templates, the transport (SMTP or the log) and the
 * worker that sends after commit. The worker runs in serving processes (src/jobs.ts).
 */
import { Gauge } from 'prom-client';
import { mailRetryScheduleOf } from '../../config.js';
import { defineModule } from '../module.js';
import { mailAdminRoutes } from './admin.routes.js';
import { OutboxMail } from './schemas.js';
import { MailService } from './service.js';
import { logTransport, smtpTransport } from './transport.js';
import { MailWorker } from './worker.js';

export const mailModule = defineModule({
  name: 'mail',
  after: ['alerts'],
  schemas: [OutboxMail],
  services: (app) => {
    const { config, db, clock, log } = app.ctx;
    const transport =
      config.SMTP_URL && config.MAIL_FROM
        ? smtpTransport({ url: config.SMTP_URL, from: config.MAIL_FROM })
        : logTransport(log);
    if (transport.name === 'log' && config.NODE_ENV === 'production') {
      log.warn('SMTP_URL is not set: e-mails are written to the log (with their links), not sent');
    }
    const worker = new MailWorker(db, clock, transport, log, mailRetryScheduleOf(config));
    const mail = new MailService(db, clock, worker);
    app.services.mail = mail;
    app.addHook('onClose', async () => {
      await worker.stop();
      transport.close();
    });
    new Gauge({
      name: 'mail_outbox',
      help: 'E-mails in the outbox, by status (pending, sent, failed)',
      labelNames: ['status'] as const,
      registers: [app.metrics.registry],
      async collect() {
        this.reset();
        for (const { status, n } of await mail.countByStatus().catch(() => [])) this.set({ status }, n);
      },
    });
  },
  adminRoutes: [mailAdminRoutes],
});
