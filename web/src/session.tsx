/**
 * Who is signed in. At start the page asks for an access token with the session cookie (a reload keeps
 * you signed in without anything stored in the page); signing in and up set the cookie; signing out ends
 * the session on the server and forgets everything cached.
 */
import { useQueryClient } from '@tanstack/react-query';
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, refreshAccess, setAccessToken, unwrap, whenSignedOut, type User } from './api/client';

type State = { status: 'loading' } | { status: 'signedOut' } | { status: 'signedIn'; user: User };

interface Session {
  state: State;
  user: User | null;
  signIn(email: string, password: string): Promise<void>;
  signUp(input: { email: string; password: string; full_name?: string }): Promise<void>;
  signOut(): Promise<void>;
  setUser(user: User): void;
}

const SessionContext = createContext<Session | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<State>({ status: 'loading' });
  const queryClient = useQueryClient();

  const signedOut = useCallback(() => {
    setAccessToken(null);
    queryClient.clear();
    setState({ status: 'signedOut' });
  }, [queryClient]);

  useEffect(() => {
    whenSignedOut(signedOut);
    let live = true;
    (async () => {
      if (!(await refreshAccess())) return live && setState({ status: 'signedOut' });
      try {
        const user = await unwrap(api.GET('/api/v1/users/me'));
        if (live) setState({ status: 'signedIn', user });
      } catch {
        if (live) setState({ status: 'signedOut' });
      }
    })();
    return () => void (live = false);
  }, [signedOut]);

  const session = useMemo<Session>(
    () => ({
      state,
      user: state.status === 'signedIn' ? state.user : null,
      async signIn(email, password) {
        const { user, tokens } = await unwrap(
          api.POST('/api/v1/auth/browser/login', {
            params: { header: { 'x-csrf': '1' } },
            body: { email, password },
          }),
        );
        setAccessToken(tokens.access_token);
        queryClient.clear();
        setState({ status: 'signedIn', user });
      },
      async signUp(input) {
        const { user, tokens } = await unwrap(
          api.POST('/api/v1/auth/browser/register', { params: { header: { 'x-csrf': '1' } }, body: input }),
        );
        setAccessToken(tokens.access_token);
        queryClient.clear();
        setState({ status: 'signedIn', user });
      },
      async signOut() {
        await api
          .POST('/api/v1/auth/browser/logout', { params: { header: { 'x-csrf': '1' } } })
          .catch(() => undefined);
        signedOut();
      },
      setUser(user) {
        setState({ status: 'signedIn', user });
      },
    }),
    [state, queryClient, signedOut],
  );
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}
