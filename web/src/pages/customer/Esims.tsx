/** My eSIMs: the list, and one eSIM with everything needed to install it (QR, codes, iPhone link). */
import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { api, qrObjectUrl, unwrap, type Esim } from '../../api/client';
import { CopyButton, Empty, ErrorNote, Loading, Page } from '../../components/ui';
import { ESIM_STATUS, formatDate } from '../../format';
import { Link, useLocation } from '../../router';

export function useEsims() {
  return useQuery({
    queryKey: ['esims'],
    queryFn: () => unwrap(api.GET('/api/v1/esims', { params: { query: { limit: 200 } } })),
  });
}

export function EsimsPage() {
  const esims = useEsims();
  const items = (esims.data?.items ?? []).filter((e) => e.status !== 'deleted');
  return (
    <Page title="My eSIMs">
      {esims.isPending && <Loading what="your eSIMs" />}
      {esims.isError && <ErrorNote error={esims.error} retry={() => esims.refetch()} />}
      {esims.isSuccess && items.length === 0 && (
        <Empty>
          <p>
            You have no eSIM yet. <Link href="/">Choose a plan</Link>: we make your eSIM when you buy it.
          </p>
        </Empty>
      )}
      <ul className="cards">
        {items.map((e) => (
          <li key={e.id} className="card">
            <h2>
              <Link href={`/esims/${e.id}`}>{e.label ?? 'My eSIM'}</Link>
            </h2>
            <p>{ESIM_STATUS[e.status] ?? e.status}</p>
            <p className="muted">
              {e.iccid
                ? `Number (ICCID) ending in ${e.iccid.slice(-4)}`
                : 'Its number comes when it is ready'}
            </p>
          </li>
        ))}
      </ul>
    </Page>
  );
}

export function EsimPage({ id }: { id: string }) {
  const { query } = useLocation();
  const esim = useQuery({
    queryKey: ['esim', id],
    queryFn: () => unwrap(api.GET('/api/v1/esims/{id}', { params: { path: { id } } })),
  });
  return (
    <Page title={esim.data?.label ?? 'Your eSIM'}>
      {query.get('bought') && esim.isSuccess && (
        <div className="note success" role="status">
          <p>
            Thank you! Your data plan is ready. Install the eSIM below, then see your data in{' '}
            <Link href="/packs">My data</Link>.
          </p>
        </div>
      )}
      {esim.isPending && <Loading what="your eSIM" />}
      {esim.isError && (
        <ErrorNote error={esim.error} retry={() => esim.refetch()}>
          <p>
            <Link href="/esims">Back to my eSIMs</Link>
          </p>
        </ErrorNote>
      )}
      {esim.isSuccess && <EsimDetails esim={esim.data} />}
    </Page>
  );
}

function EsimDetails({ esim }: { esim: Esim }) {
  const [qr, setQr] = useState<string | null>(null);
  const [qrError, setQrError] = useState<unknown>(null);
  useEffect(() => {
    let url: string | null = null;
    let live = true;
    qrObjectUrl(esim.id)
      .then((u) => (live ? setQr((url = u)) : URL.revokeObjectURL(u)))
      .catch((e: unknown) => live && setQrError(e));
    return () => {
      live = false;
      if (url) URL.revokeObjectURL(url);
    };
  }, [esim.id]);
  const installable = esim.status === 'released';
  return (
    <div className="esim">
      <p className="status">
        <strong>Status:</strong> {ESIM_STATUS[esim.status] ?? esim.status}
      </p>
      {installable && (
        <section aria-labelledby="scan">
          <h2 id="scan">Scan to install</h2>
          <p>
            On your phone, open Settings, then Mobile data (or Connections), then Add eSIM, and point the
            camera at this code. Keep this page open on another screen.
          </p>
          {qr ? (
            <img
              className="qr"
              src={qr}
              width={320}
              height={320}
              alt="QR code to install your eSIM"
              data-testid="esim-qr"
            />
          ) : qrError ? (
            <ErrorNote error={qrError}>
              <p>Use the codes below to install it by hand instead.</p>
            </ErrorNote>
          ) : (
            <Loading what="the QR code" />
          )}
          <p>
            <a className="button" href={esim.apple_install_url} rel="noopener">
              On this iPhone? Install with one tap
            </a>
          </p>
        </section>
      )}
      <section aria-labelledby="manual">
        <h2 id="manual">Or type it in by hand</h2>
        <dl className="codes">
          <dt>SM-DP+ address</dt>
          <dd>
            <code>{esim.smdp_address}</code> <CopyButton text={esim.smdp_address} label="Copy address" />
          </dd>
          <dt>Activation code</dt>
          <dd>
            <code data-testid="matching-id">{esim.matching_id}</code>{' '}
            <CopyButton text={esim.matching_id} label="Copy activation code" />
          </dd>
          <dt>Full code (for phones that ask for one line)</dt>
          <dd>
            <code data-testid="activation-code">{esim.activation_code}</code>{' '}
            <CopyButton text={esim.activation_code} label="Copy full code" />
          </dd>
          {esim.confirmation_code_required && (
            <>
              <dt>Confirmation code</dt>
              <dd>Your phone will ask for it: it was shown once when the eSIM was made.</dd>
            </>
          )}
          <dt>eSIM number (ICCID)</dt>
          <dd>
            <code>{esim.iccid}</code>
          </dd>
          <dt>Made on</dt>
          <dd>{formatDate(esim.created_at)}</dd>
        </dl>
      </section>
    </div>
  );
}
