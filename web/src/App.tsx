/** The shell: header and navigation, then the page of the current path. The console (/admin) loads apart. */
import { lazy, Suspense, type ReactNode } from 'react';
import { Loading } from './components/ui';
import { AccountPage } from './pages/customer/Account';
import { ForgotPasswordPage, ResetPasswordPage, VerifyEmailPage } from './pages/customer/AccountMail';
import { CheckoutPage } from './pages/customer/Checkout';
import { CheckoutCancelledPage, CheckoutDonePage } from './pages/customer/CheckoutReturn';
import { EsimPage, EsimsPage } from './pages/customer/Esims';
import { OrdersPage } from './pages/customer/Orders';
import { PlansPage } from './pages/customer/Plans';
import { SignInPage, SignUpPage } from './pages/customer/SignIn';
import { Link, match, navigate, useLocation } from './router';
import { useSession } from './session';

const PacksPage = lazy(() => import('./pages/customer/Packs'));
const AdminApp = lazy(() => import('./pages/admin/AdminApp'));

export function App() {
  const { path } = useLocation();
  if (path === '/admin' || path.startsWith('/admin/')) {
    return (
      <Suspense fallback={<Loading what="the console" />}>
        <AdminApp />
      </Suspense>
    );
  }
  return (
    <Shell>
      <Suspense fallback={<Loading what="the page" />}>
        <CustomerRoutes path={path} />
      </Suspense>
    </Shell>
  );
}

function CustomerRoutes({ path }: { path: string }) {
  const session = useSession();
  let params: Record<string, string> | null;
  if (path === '/') return <PlansPage />;
  if (path === '/signin') return <SignInPage />;
  if (path === '/signup') return <SignUpPage />;
  if (path === '/forgot-password') return <ForgotPasswordPage />;
  if (path === '/reset-password') return <ResetPasswordPage />;
  if (path === '/verify-email') return <VerifyEmailPage />;
  if (session.state.status === 'loading') return <Loading what="your account" />;
  if (!session.user) {
    // a page for signed-in people: sign in first, then come back here (with its query: ?order_id=)
    queueMicrotask(() =>
      navigate(`/signin?next=${encodeURIComponent(location.pathname + location.search)}`, {
        replace: true,
      }),
    );
    return null;
  }
  if ((params = match('/buy/:planId', path))) return <CheckoutPage planId={params.planId!} />;
  if (path === '/esims') return <EsimsPage />;
  if ((params = match('/esims/:id', path))) return <EsimPage id={params.id!} />;
  if (path === '/packs') return <PacksPage />;
  if (path === '/account') return <AccountPage />;
  if (path === '/orders') return <OrdersPage />;
  if (path === '/checkout/done') return <CheckoutDonePage />;
  if (path === '/checkout/cancelled') return <CheckoutCancelledPage />;
  return (
    <div className="note empty">
      <h1 tabIndex={-1}>Page not found</h1>
      <p>
        This address does not lead anywhere. <Link href="/">See the plans</Link> or go to{' '}
        <Link href="/esims">your eSIMs</Link>.
      </p>
    </div>
  );
}

function Shell({ children }: { children: ReactNode }) {
  const { user } = useSession();
  const { path } = useLocation();
  const item = (href: string, label: string) => (
    <li>
      <Link
        href={href}
        aria-current={path === href || (href !== '/' && path.startsWith(href)) ? 'page' : undefined}
      >
        {label}
      </Link>
    </li>
  );
  return (
    <>
      <a className="skip" href="#main">
        Skip to the content
      </a>
      <header className="top">
        <Link href="/" className="brand">
          KSWiFi
        </Link>
        <nav aria-label="Main">
          <ul>
            {item('/', 'Plans')}
            {user && item('/esims', 'My eSIMs')}
            {user && item('/packs', 'My data')}
            {user ? item('/account', 'Account') : item('/signin', 'Sign in')}
            {user?.role === 'admin' && item('/admin', 'Console')}
          </ul>
        </nav>
      </header>
      <main id="main">{children}</main>
      <footer className="bottom">
        <p>KSWiFi: mobile data for your trip, on an eSIM.</p>
      </footer>
    </>
  );
}
