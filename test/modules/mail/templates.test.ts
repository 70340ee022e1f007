import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatBytes, renderMail, type MailData } from '../../../src/modules/mail/templates.js';

const pack = { packName: 'Europe 5 GB', usedBytes: 4_000_000_000, leftBytes: 1_000_000_000, dataBytes: 5e9 };

const ALL: MailData[] = [
  {
    kind: 'purchase_receipt',
    pack: { ...pack, expiresAt: Date.UTC(2027, 0, 2, 10) },
    priceCents: 1299,
    currency: 'EUR',
  },
  { kind: 'usage_80', pack },
  { kind: 'usage_100', pack },
  { kind: 'pack_expiring', pack: { ...pack, expiresAt: Date.UTC(2027, 0, 2, 10) } },
  { kind: 'pack_expired', pack },
  { kind: 'password_changed' },
  { kind: 'account_suspended' },
  { kind: 'password_reset', url: 'https://app.test/reset-password#token=abc', validMinutes: 30 },
  { kind: 'verify_email', url: 'https://app.test/verify-email#token=abc', validMinutes: 2880 },
];

describe('mail templates', () => {
  test('when a user has used 80 %, then the mail says so in plain words, in text and in HTML', () => {
    const m = renderMail({ fullName: 'Anna' }, { kind: 'usage_80', pack });
    assert.equal(m.subject, 'You have used 80 % of your Europe 5 GB pack');
    assert.match(
      m.text,
      /^Hello Anna,\n\nYou have used 80 % of your Europe 5 GB pack\. You have 1 GB left\./,
    );
    assert.ok(!m.text.includes('<'), 'the text version has no markup');
    assert.match(m.html, /<p>You have used 80 % of your Europe 5 GB pack\. You have 1 GB left\.<\/p>/);
  });

  test('when values hold markup, then the HTML version escapes them and the text keeps them as written', () => {
    const m = renderMail(
      { fullName: '<script>alert("x")</script>' },
      { kind: 'usage_100', pack: { packName: 'A & B <b>' } },
    );
    assert.ok(!m.html.includes('<script>'));
    assert.ok(!m.html.includes('<b>'));
    assert.match(m.html, /&#60;script&#62;alert\(&#34;x&#34;\)&#60;\/script&#62;/);
    assert.match(m.html, /A &#38; B &#60;b&#62;/);
    assert.match(m.text, /Hello <script>alert\("x"\)<\/script>,/);
  });

  test('every kind renders a subject, a text and an HTML version from one template', () => {
    for (const data of ALL) {
      const m = renderMail({ fullName: null }, data);
      assert.ok(m.subject.length > 5, data.kind);
      assert.match(m.text, /^Hello,\n\n/, data.kind);
      assert.match(m.text, /The KSWiFi team\n$/, data.kind);
      assert.match(m.html, /^<!doctype html>/, data.kind);
      // each paragraph of the text is in the HTML too
      for (const para of m.text.trim().split('\n\n')) {
        const first = para.split(': http')[0]!.replace(/&/g, '&#38;');
        assert.ok(m.html.includes(first), `${data.kind}: ${first}`);
      }
    }
  });

  test('links are in both versions: a line in the text, an anchor in the HTML', () => {
    const m = renderMail({ fullName: null }, ALL[7]!);
    assert.match(m.text, /Choose a new password: https:\/\/app\.test\/reset-password#token=abc/);
    assert.match(
      m.html,
      /<a href="https:\/\/app\.test\/reset-password#token=abc">Choose a new password<\/a>/,
    );
    assert.match(m.text, /works once, for 30 minutes/);
  });

  test('the receipt names the data, the end and the price', () => {
    const m = renderMail({ fullName: null }, ALL[0]!);
    assert.equal(m.subject, 'Your Europe 5 GB pack is ready');
    assert.match(m.text, /Data: 5 GB\. It works until 2 January 2027 at 10:00 UTC\./);
    assert.match(m.text, /You paid 12\.99 EUR\./);
  });

  test('bytes are shown in decimal units as packs are sold', () => {
    assert.equal(formatBytes(5_000_000_000), '5 GB');
    assert.equal(formatBytes(1_234_000_000), '1.2 GB');
    assert.equal(formatBytes(350_000_000), '350 MB');
    assert.equal(formatBytes(999), '999 bytes');
  });
});
