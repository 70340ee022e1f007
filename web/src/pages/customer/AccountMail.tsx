/**
 * The pages the account e-mails link to, and the one that sends a reset link. The token travels in the
 * link's fragment (#token=...), so it never reaches a server log; the page reads it, takes it out of the
 * address bar (history, a shared screen) and posts it.
 */
import { useMutation } from '@tanstack/react-query';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { api, ApiError, unwrap } from '../../api/client';
import { ErrorNote, Field, fieldErrors, Loading, Page } from '../../components/ui';
import { Link } from '../../router';
import { useSession } from '../../session';

const tokenOfLink = () => new URLSearchParams(location.hash.slice(1)).get('token') ?? '';

/** The link's token, read once; the address keeps its path only. */
function useLinkToken(): string {
  const [token] = useState(tokenOfLink);
  useEffect(() => {
    if (location.hash) history.replaceState(history.state, '', location.pathname + location.search);
  }, []);
  return token;
}

export function ForgotPasswordPage() {
  const [sentTo, setSentTo] = useState<string | null>(null);
  const send = useMutation({
    mutationFn: (email: string) => unwrap(api.POST('/api/v1/auth/password-reset', { body: { email } })),
  });
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const email = String(new FormData(e.currentTarget).get('email') ?? '').trim();
    send.mutate(email, { onSuccess: () => setSentTo(email) });
  };
  return (
    <Page title="Forgot your password?">
      {sentTo ? (
        <div className="note success" role="status">
          <p>
            If there is an account for {sentTo}, we have sent it a link to choose a new password. Check your
            inbox (and the spam folder). The link works for a limited time.
          </p>
        </div>
      ) : (
        <form className="form narrow" onSubmit={submit}>
          <p>Type the email of your account. We will send you a link to choose a new password.</p>
          <Field
            label="Email"
            name="email"
            type="email"
            autoComplete="email"
            required
            error={fieldErrors(send.error).email}
          />
          {send.isError && !fieldErrors(send.error).email && <ErrorNote error={send.error} />}
          <button type="submit" disabled={send.isPending}>
            Send me a link
          </button>
        </form>
      )}
      <p>
        <Link href="/signin">Back to sign in</Link>
      </p>
    </Page>
  );
}

export function ResetPasswordPage() {
  const token = useLinkToken();
  const reset = useMutation({
    mutationFn: (new_password: string) =>
      unwrap(api.POST('/api/v1/auth/password-reset/confirm', { body: { token, new_password } })),
  });
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    reset.mutate(String(new FormData(e.currentTarget).get('new_password') ?? ''));
  };
  if (!token)
    return (
      <Page title="Choose a new password">
        <div className="note error" role="alert">
          <p>
            This link is incomplete. Open the link from the email again, or{' '}
            <Link href="/forgot-password">ask for a new one</Link>.
          </p>
        </div>
      </Page>
    );
  return (
    <Page title="Choose a new password">
      {reset.isSuccess ? (
        <div className="note success" role="status">
          <p>
            Your password is changed, and every device was signed out. <Link href="/signin">Sign in</Link>{' '}
            with the new password.
          </p>
        </div>
      ) : (
        <form className="form narrow" onSubmit={submit}>
          <Field
            label="New password"
            name="new_password"
            type="password"
            autoComplete="new-password"
            required
            minLength={8}
            maxLength={128}
            hint="At least 8 characters."
            error={fieldErrors(reset.error).new_password}
          />
          {reset.isError &&
            (reset.error instanceof ApiError &&
            reset.error.status === 400 &&
            !fieldErrors(reset.error).new_password ? (
              <div className="note error" role="alert">
                <p>
                  This link has expired or was already used.{' '}
                  <Link href="/forgot-password">Ask for a new one</Link>.
                </p>
              </div>
            ) : (
              !fieldErrors(reset.error).new_password && <ErrorNote error={reset.error} />
            ))}
          <button type="submit" disabled={reset.isPending}>
            Save the new password
          </button>
        </form>
      )}
    </Page>
  );
}

export function VerifyEmailPage() {
  const session = useSession();
  const token = useLinkToken();
  const sent = useRef(false);
  const verify = useMutation({
    mutationFn: () => unwrap(api.POST('/api/v1/auth/verify-email', { body: { token } })),
    // a signed-in customer's account page shows the address as confirmed at once
    onSuccess: async () => {
      if (!session.user) return;
      const me = await unwrap(api.GET('/api/v1/users/me')).catch(() => null);
      if (me) session.setUser(me);
    },
  });
  useEffect(() => {
    // once, also under React's development double effects
    if (token && !sent.current) {
      sent.current = true;
      verify.mutate();
    }
  }, [token, verify]);
  return (
    <Page title="Confirm your email">
      {!token || verify.isError ? (
        <div className="note error" role="alert">
          <p>
            This link has expired, was already used, or is incomplete.{' '}
            {session.user ? (
              <>
                Send a new one from <Link href="/account">your account</Link>.
              </>
            ) : (
              <>
                <Link href="/signin?next=/account">Sign in</Link> and send a new one from your account.
              </>
            )}
          </p>
        </div>
      ) : verify.isSuccess ? (
        <div className="note success" role="status">
          <p>
            Thank you: your email is confirmed. <Link href="/">See the plans</Link>.
          </p>
        </div>
      ) : (
        <Loading what="your confirmation" />
      )}
    </Page>
  );
}

/** On the account page: whether the email is confirmed, and a new link when it is not. */
export function EmailStatus({ verifiedAt }: { verifiedAt: string | null | undefined }) {
  const resend = useMutation({ mutationFn: () => unwrap(api.POST('/api/v1/auth/verify-email/resend')) });
  if (verifiedAt) return <p>Your email is confirmed.</p>;
  return (
    <div>
      <p>Your email is not confirmed yet: open the link we sent you when you signed up.</p>
      {resend.isSuccess ? (
        <p className="note success" role="status">
          We sent a new link. Check your inbox.
        </p>
      ) : (
        <button
          type="button"
          className="secondary"
          onClick={() => resend.mutate()}
          disabled={resend.isPending}
        >
          Send a new link
        </button>
      )}
      {resend.isError && <ErrorNote error={resend.error} />}
    </div>
  );
}
