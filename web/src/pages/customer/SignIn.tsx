/** Sign in and sign up. After either, the page goes where the visitor was heading (?next=). */
import { useState, type FormEvent } from 'react';
import { ApiError } from '../../api/client';
import { ErrorNote, Field, fieldErrors, Page } from '../../components/ui';
import { Link, navigate, useLocation } from '../../router';
import { useSession } from '../../session';

function useNext(): string {
  const next = useLocation().query.get('next') ?? '/';
  // only a path of this site, never another address
  return next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

export function SignInPage() {
  const session = useSession();
  const next = useNext();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setBusy(true);
    setError(null);
    try {
      await session.signIn(String(form.get('email')), String(form.get('password')));
      navigate(next, { replace: true });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const message =
    error instanceof ApiError && error.code === 'INVALID_CREDENTIALS'
      ? 'The email or the password is not right. Check both and try again.'
      : error instanceof ApiError && error.code === 'ACCOUNT_SUSPENDED'
        ? 'Your account is on hold. Write to support to find out why and to reopen it.'
        : null;
  return (
    <Page title="Sign in">
      <form className="form narrow" onSubmit={submit} noValidate={false}>
        <Field label="Email" name="email" type="email" autoComplete="email" required />
        <Field label="Password" name="password" type="password" autoComplete="current-password" required />
        {error != null &&
          (message ? (
            <div className="note error" role="alert">
              <p>{message}</p>
            </div>
          ) : (
            <ErrorNote error={error} />
          ))}
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p>
          New here? <Link href={`/signup?next=${encodeURIComponent(next)}`}>Create an account</Link>
        </p>
        <p>
          <Link href="/forgot-password">Forgot your password?</Link>
        </p>
      </form>
    </Page>
  );
}

export function SignUpPage() {
  const session = useSession();
  const next = useNext();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const fields = fieldErrors(error);
  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const name = String(form.get('full_name') ?? '').trim();
    setBusy(true);
    setError(null);
    try {
      await session.signUp({
        email: String(form.get('email')),
        password: String(form.get('password')),
        ...(name ? { full_name: name } : {}),
      });
      navigate(next, { replace: true });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const taken = error instanceof ApiError && error.code === 'EMAIL_TAKEN';
  return (
    <Page title="Create your account">
      <form className="form narrow" onSubmit={submit}>
        <Field
          label="Your name"
          name="full_name"
          autoComplete="name"
          maxLength={200}
          error={fields.full_name}
        />
        <Field label="Email" name="email" type="email" autoComplete="email" required error={fields.email} />
        <Field
          label="Password"
          name="password"
          type="password"
          autoComplete="new-password"
          required
          minLength={8}
          maxLength={128}
          hint="At least 8 characters."
          error={fields.password}
        />
        {taken ? (
          <div className="note error" role="alert">
            <p>
              There is already an account with this email.{' '}
              <Link href={`/signin?next=${encodeURIComponent(next)}`}>Sign in</Link> instead.
            </p>
          </div>
        ) : (
          error != null && <ErrorNote error={error} />
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Creating your account…' : 'Create account'}
        </button>
        <p>
          Already have an account? <Link href={`/signin?next=${encodeURIComponent(next)}`}>Sign in</Link>
        </p>
      </form>
    </Page>
  );
}
