/** Account: profile, password change, sign out. */
import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, ApiError, unwrap } from '../../api/client';
import { ErrorNote, Field, fieldErrors, Page } from '../../components/ui';
import { Link, navigate } from '../../router';
import { EmailStatus } from './AccountMail';
import { useSession } from '../../session';

export function AccountPage() {
  const session = useSession();
  const user = session.user!;
  const [saved, setSaved] = useState(false);
  const profile = useMutation({
    mutationFn: (body: { full_name: string | null; phone_number: string | null }) =>
      unwrap(api.PATCH('/api/v1/users/me', { body })),
    onSuccess: (u) => {
      session.setUser(u);
      setSaved(true);
    },
  });
  const [changed, setChanged] = useState(false);
  const password = useMutation({
    mutationFn: (body: { current_password: string; new_password: string }) =>
      unwrap(api.POST('/api/v1/users/me/password', { body })),
    onSuccess: () => setChanged(true),
  });
  const saveProfile = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const text = (k: string) => String(f.get(k) ?? '').trim() || null;
    setSaved(false);
    profile.mutate({ full_name: text('full_name'), phone_number: text('phone_number') });
  };
  const changePassword = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const f = new FormData(form);
    setChanged(false);
    password.mutate(
      { current_password: String(f.get('current_password')), new_password: String(f.get('new_password')) },
      { onSuccess: () => form.reset() },
    );
  };
  const pf = fieldErrors(profile.error);
  const pw = fieldErrors(password.error);
  return (
    <Page title="Your account">
      <section aria-labelledby="profile" className="card">
        <h2 id="profile">Profile</h2>
        <p>
          Signed in as <strong>{user.email}</strong>
        </p>
        <EmailStatus verifiedAt={user.email_verified_at} />
        <p>
          <Link href="/orders">Your orders and payments</Link>
        </p>
        <form className="form" onSubmit={saveProfile}>
          <Field
            label="Your name"
            name="full_name"
            defaultValue={user.full_name ?? ''}
            maxLength={200}
            error={pf.full_name}
          />
          <Field
            label="Phone number"
            name="phone_number"
            type="tel"
            autoComplete="tel"
            defaultValue={user.phone_number ?? ''}
            hint="With the country code, for example +44 7700 900123."
            error={pf.phone_number}
          />
          {profile.isError && !Object.keys(pf).length && <ErrorNote error={profile.error} />}
          {saved && (
            <p className="note success" role="status">
              Saved.
            </p>
          )}
          <button type="submit" disabled={profile.isPending}>
            Save
          </button>
        </form>
      </section>
      <section aria-labelledby="password" className="card">
        <h2 id="password">Change your password</h2>
        <form className="form" onSubmit={changePassword}>
          <Field
            label="Current password"
            name="current_password"
            type="password"
            autoComplete="current-password"
            required
          />
          <Field
            label="New password"
            name="new_password"
            type="password"
            autoComplete="new-password"
            required
            minLength={8}
            maxLength={128}
            hint="At least 8 characters. Your other devices will be signed out."
            error={pw.new_password}
          />
          {password.isError &&
            (password.error instanceof ApiError && password.error.code === 'INVALID_CREDENTIALS' ? (
              <p className="note error" role="alert">
                The current password is not right. Try again.
              </p>
            ) : (
              !Object.keys(pw).length && <ErrorNote error={password.error} />
            ))}
          {changed && (
            <p className="note success" role="status">
              Your password is changed.
            </p>
          )}
          <button type="submit" disabled={password.isPending}>
            Change password
          </button>
        </form>
      </section>
      <section aria-labelledby="out" className="card">
        <h2 id="out">Sign out</h2>
        <p>Sign out on this device. Your eSIMs and data keep working.</p>
        <button
          type="button"
          className="secondary"
          onClick={async () => {
            await session.signOut();
            navigate('/', { replace: true });
          }}
        >
          Sign out
        </button>
      </section>
    </Page>
  );
}
