/** Small building blocks every page uses: fields with labels, the error note, loading and empty states. */
import { useId, useState, type InputHTMLAttributes, type ReactNode } from 'react';
import { ApiError } from '../api/client';

export function Field({
  label,
  hint,
  error,
  ...input
}: InputHTMLAttributes<HTMLInputElement> & { label: string; hint?: string; error?: string }) {
  const id = useId();
  const described = [hint && `${id}-hint`, error && `${id}-error`].filter(Boolean).join(' ') || undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} aria-describedby={described} aria-invalid={error ? true : undefined} {...input} />
      {hint && (
        <p className="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {error && (
        <p className="field-error" id={`${id}-error`}>
          {error}
        </p>
      )}
    </div>
  );
}

/** The field errors of a 400 problem, by body field name (`body.email` → `email`). */
export function fieldErrors(error: unknown): Record<string, string> {
  if (!(error instanceof ApiError)) return {};
  const out: Record<string, string> = {};
  for (const e of error.problem.errors ?? []) out[e.field.replace(/^body\./, '')] = e.message;
  return out;
}

/** Refusals whose technical detail would not help a customer, in plain words with the next step. */
const PLAIN_WORDS: Record<string, string> = {
  ACCOUNT_SUSPENDED: 'Your account is on hold. Write to support to find out why and to reopen it.',
  EMAIL_NOT_VERIFIED:
    'Please confirm your email first: open the link we sent you. You can send a new link from your account page.',
  PAYMENT_DECLINED: 'Your bank declined the payment. Nothing was charged: try another card.',
  PAYMENT_PROVIDER_UNAVAILABLE:
    'Payments are not answering right now. Nothing was charged: try again in a minute.',
  ESIM_LIMIT:
    'You have as many eSIMs as an account may hold. Choose one of your eSIMs for this plan instead.',
};

/** What went wrong, in words, and what to do next. */
export function ErrorNote({
  error,
  retry,
  children,
}: {
  error: unknown;
  retry?: () => void;
  children?: ReactNode;
}) {
  const message =
    error instanceof ApiError
      ? (PLAIN_WORDS[error.code] ??
        (error.status === 429
          ? 'Too many tries in a short time. Wait a minute, then try again.'
          : error.status >= 500
            ? 'Something went wrong on our side. Try again in a moment.'
            : error.message))
      : 'Something went wrong. Reload the page and try again.';
  return (
    <div className="note error" role="alert">
      <p>{message}</p>
      {children}
      {retry && (
        <button type="button" className="secondary" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="loading" role="status">
      Loading {what}…
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="note empty">{children}</div>;
}

export function Page({
  title,
  children,
  actions,
}: {
  title: string;
  children: ReactNode;
  actions?: ReactNode;
}) {
  return (
    <>
      <div className="page-head">
        <h1 tabIndex={-1}>{title}</h1>
        {actions}
      </div>
      {children}
    </>
  );
}

export function CopyButton({ text, label }: { text: string; label: string }) {
  const [done, setDone] = useState<string | null>(null);
  return (
    <button
      type="button"
      className="secondary small"
      onClick={async () => {
        try {
          await navigator.clipboard.writeText(text);
          setDone('Copied');
        } catch {
          setDone('Copy it by hand');
        }
        setTimeout(() => setDone(null), 2000);
      }}
    >
      <span aria-live="polite">{done ?? label}</span>
    </button>
  );
}
