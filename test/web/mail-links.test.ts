/**
 * E-mailed links followed in a real Chromium, once per database: the service sends its mails over SMTP to
 * the test catcher (test/fixtures/smtp.ts) with PUBLIC_APP_URL set to the app's own address, the test takes
 * the link out of the mail a person would get and opens it in the browser.
 * - A new customer confirms their e-mail address from the welcome mail; the link works once.
 * - A customer who forgot their password asks for a link on the sign-in page, opens it on a phone
 *   (another browser, not signed in), chooses a new password and signs in with it; the old one is refused.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { startSmtpCatcher, type ReceivedMail, type SmtpCatcher } from '../fixtures/smtp.js';
import { DIALECTS, dialectSkip, uniqueEmail } from '../helper.js';
import {
  axe,
  browserSkip,
  DESKTOP,
  PHONE,
  seriousOrWorse,
  startWeb,
  watchConsole,
  type WebEnv,
} from './harness.js';

const noBrowser = browserSkip();
for (const dialect of DIALECTS) {
  const skip = noBrowser || dialectSkip(dialect);
  describe(`web: links in e-mails [${dialect}]`, { skip }, () => {
    let web: WebEnv;
    let smtp: SmtpCatcher;

    before(async () => {
      smtp = await startSmtpCatcher();
      web = await startWeb(dialect, (base) => ({
        SMTP_URL: smtp.url,
        MAIL_FROM: 'KSWiFi <hello@kswifi.test>',
        MAIL_RETRY_SCHEDULE_S: '1,1',
        PUBLIC_APP_URL: base,
      }));
    });
    after(async () => {
      await web?.close();
      await smtp?.close();
    });

    /** Sends what is due, then the link of the one mail to `to` with `subject`. */
    const linkIn = async (to: string, subject: string, path: string): Promise<string> => {
      await web.env.app.services.mail.worker.runOnce();
      const mails = smtp.mails.filter((m: ReceivedMail) => m.to.includes(to) && m.subject === subject);
      assert.equal(mails.length, 1, `one "${subject}" mail to ${to}`);
      const link = new RegExp(`(${web.base}${path}#token=[A-Za-z0-9_-]+)`).exec(mails[0]!.text)?.[1];
      assert.ok(link, `a ${path} link in: ${mails[0]!.text}`);
      return link;
    };
    const check = async (page: Page, name: string) =>
      assert.deepEqual(seriousOrWorse(await axe(page, name)), [], `axe on ${name}`);

    test('when a new customer opens the link of the welcome mail, then the address is confirmed, once', async () => {
      const context = await web.browser.newContext({ viewport: DESKTOP });
      const page = await context.newPage();
      const errors = watchConsole(page);
      const email = uniqueEmail('welcome');
      await page.goto(`${web.base}/signup?next=/account`);
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password').fill('correct horse 1');
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.getByText('Your email is not confirmed yet').waitFor();

      const link = await linkIn(email, 'Please confirm your e-mail address', '/verify-email');
      await page.goto(link);
      await page.getByText('Thank you: your email is confirmed.').waitFor();
      await check(page, 'verify email');
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Account' }).click();
      await page.getByText('Your email is confirmed.').waitFor();
      assert.equal(await page.getByRole('button', { name: 'Send a new link' }).count(), 0);

      await page.goto(link);
      await page.getByText('This link has expired, was already used, or is incomplete').waitFor();
      // the refused second use is the one expected console line (the browser logs the 400)
      assert.deepEqual(
        errors.filter((e) => !/status of 400/.test(e)),
        [],
      );
      await context.close();
    });

    test('when a customer resets a forgotten password from the mail on a phone, then they sign in with the new one', async () => {
      const email = uniqueEmail('forgetful');
      const signup = await web.env.app.inject({
        method: 'POST',
        url: '/api/v1/auth/register',
        payload: { email, password: 'old horse battery 1' },
      });
      assert.equal(signup.statusCode, 201, signup.body);
      await web.env.app.services.mail.worker.runOnce(); // the welcome mail is not what this test reads

      const desk = await web.browser.newContext({ viewport: DESKTOP });
      const asking = await desk.newPage();
      await asking.goto(`${web.base}/signin`);
      await asking.getByRole('link', { name: 'Forgot your password?' }).click();
      await asking.getByLabel('Email').fill(email);
      await asking.getByRole('button', { name: 'Send me a link' }).click();
      await asking.getByText('we have sent it a link').waitFor();
      await desk.close();

      const link = await linkIn(email, 'Reset your password', '/reset-password');
      const phone = await web.browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true });
      const page = await phone.newPage();
      const errors = watchConsole(page);
      await page.goto(link);
      await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
      assert.equal(new URL(page.url()).hash, '', 'the token leaves the address bar once read');
      await check(page, 'reset password (phone)');
      await page.getByLabel('New password').fill('brand new horse 3');
      await page.getByRole('button', { name: 'Save the new password' }).tap();
      await page.getByText('Your password is changed').waitFor();
      await page.getByRole('main').getByRole('link', { name: 'Sign in' }).tap();
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password').fill('brand new horse 3');
      await page.getByRole('button', { name: 'Sign in' }).tap();
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Account' }).waitFor();
      assert.ok(
        await page.evaluate(`document.documentElement.scrollWidth <= window.innerWidth`),
        'fits a phone',
      );
      const login = (password: string) =>
        web.env.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } });
      assert.equal((await login('old horse battery 1')).statusCode, 401, 'the old password is refused');
      assert.deepEqual(errors, []);
      await phone.close();
    });
  });
}
