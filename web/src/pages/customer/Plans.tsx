/** The catalogue by destination: pick a country, see the plans that work there, buy one. */
import { useQuery } from '@tanstack/react-query';
import { useId } from 'react';
import { api, unwrap, type Plan } from '../../api/client';
import { Empty, ErrorNote, Loading, Page } from '../../components/ui';
import { countryName, flag, formatBytes, formatPrice } from '../../format';
import { navigate, useLocation } from '../../router';
import { useSession } from '../../session';

export function usePlans() {
  return useQuery({
    queryKey: ['plans'],
    queryFn: () => unwrap(api.GET('/api/v1/plans', { params: { query: { limit: 200 } } })),
  });
}

export function PlansPage() {
  const plans = usePlans();
  const { query } = useLocation();
  const selectId = useId();
  const to = query.get('to') ?? '';
  const items = plans.data?.items ?? [];
  const countries = [...new Set(items.flatMap((p) => p.countries))]
    .map((code) => ({ code, name: countryName(code) }))
    .sort((a, b) => a.name.localeCompare(b.name));
  const shown = to ? items.filter((p) => p.countries.includes(to as never)) : items;

  return (
    <Page title="Mobile data for your trip">
      <p className="lead">
        Choose where you are going, buy a data plan, and scan the QR code with your phone.
      </p>
      <div className="field destination">
        <label htmlFor={selectId}>Where are you going?</label>
        <select
          id={selectId}
          value={to}
          onChange={(e) => navigate(e.target.value ? `/?to=${e.target.value}` : '/', { replace: true })}
        >
          <option value="">All destinations</option>
          {countries.map((c) => (
            <option key={c.code} value={c.code}>
              {flag(c.code)} {c.name}
            </option>
          ))}
        </select>
      </div>
      {plans.isPending && <Loading what="plans" />}
      {plans.isError && <ErrorNote error={plans.error} retry={() => plans.refetch()} />}
      {plans.isSuccess && shown.length === 0 && (
        <Empty>
          <p>
            {to
              ? `We have no plan for ${countryName(to)} yet. Choose “All destinations” to see plans for nearby countries.`
              : 'There are no plans on sale right now. Please come back later.'}
          </p>
        </Empty>
      )}
      <ul className="cards plans" aria-label="Plans">
        {shown.map((plan) => (
          <PlanCard key={plan.id} plan={plan} />
        ))}
      </ul>
    </Page>
  );
}

export function PlanCard({ plan }: { plan: Plan }) {
  const { user } = useSession();
  const buy = () =>
    navigate(user ? `/buy/${plan.id}` : `/signin?next=${encodeURIComponent(`/buy/${plan.id}`)}`);
  const places = plan.countries.slice(0, 6);
  return (
    <li className="card plan" data-plan-code={plan.code}>
      <h2>{plan.name}</h2>
      <p className="price">{formatPrice(plan.price_cents, plan.currency)}</p>
      <p className="facts">
        <strong>{formatBytes(plan.data_bytes)}</strong> for <strong>{plan.validity_days} days</strong>
      </p>
      {plan.description && <p className="description">{plan.description}</p>}
      <p className="countries">
        Works in{' '}
        {places.map((c) => (
          <span key={c} className="country">
            <span aria-hidden="true">{flag(c)}</span> {countryName(c)}
          </span>
        ))}
        {plan.countries.length > places.length && ` and ${plan.countries.length - places.length} more`}
      </p>
      <button type="button" onClick={buy} aria-label={`Buy ${plan.name}`}>
        Buy
      </button>
    </li>
  );
}
