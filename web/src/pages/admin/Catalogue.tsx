/** The catalogue: every plan, on sale or not; create one, edit one, take one off sale (never deleted). */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, unwrap, type Plan } from '../../api/client';
import type { paths } from '../../api/schema';
import { Empty, ErrorNote, Field, fieldErrors, Loading, Page } from '../../components/ui';
import { formatBytes, formatPrice } from '../../format';

type PlanBody = paths['/api/v1/admin/plans']['post']['requestBody']['content']['application/json'];

const GB = 1_000_000_000;

function minorDigits(currency: string): number {
  try {
    return (
      new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ??
      2
    );
  } catch {
    return 2;
  }
}

function bodyOf(form: HTMLFormElement): PlanBody {
  const f = new FormData(form);
  const text = (k: string) => String(f.get(k) ?? '').trim();
  const currency = text('currency').toUpperCase();
  return {
    code: text('code').toUpperCase(),
    name: text('name'),
    description: text('description') || null,
    data_bytes: Math.round(Number(text('data_gb')) * GB),
    validity_days: Number(text('validity_days')),
    price_cents: Math.round(Number(text('price')) * 10 ** minorDigits(currency)),
    currency: currency as PlanBody['currency'],
    countries: text('countries')
      .split(/[\s,]+/)
      .filter(Boolean)
      .map((c) => c.toUpperCase()) as PlanBody['countries'],
    is_active: f.get('is_active') === 'on',
  };
}

function PlanForm({
  plan,
  submitLabel,
  onSubmit,
  error,
  busy,
}: {
  plan?: Plan;
  submitLabel: string;
  onSubmit: (body: PlanBody) => void;
  error: unknown;
  busy: boolean;
}) {
  const errors = fieldErrors(error);
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    onSubmit(bodyOf(e.currentTarget));
  };
  const price = plan ? plan.price_cents / 10 ** minorDigits(plan.currency) : undefined;
  return (
    <form className="form grid" onSubmit={submit}>
      <Field
        label="Code"
        name="code"
        required
        defaultValue={plan?.code}
        hint="Unique, like EU-5GB-30D"
        error={errors.code}
      />
      <Field
        label="Name"
        name="name"
        required
        defaultValue={plan?.name}
        maxLength={200}
        error={errors.name}
      />
      <Field label="Description" name="description" defaultValue={plan?.description ?? ''} maxLength={2000} />
      <Field
        label="Data (GB)"
        name="data_gb"
        type="number"
        min="0.001"
        step="0.001"
        required
        defaultValue={plan ? plan.data_bytes / GB : undefined}
        error={errors.data_bytes}
      />
      <Field
        label="Days"
        name="validity_days"
        type="number"
        min="1"
        max="3650"
        required
        defaultValue={plan?.validity_days}
        error={errors.validity_days}
      />
      <Field
        label="Price"
        name="price"
        type="number"
        min="0"
        step="0.01"
        required
        defaultValue={price}
        error={errors.price_cents}
      />
      <Field
        label="Currency"
        name="currency"
        required
        maxLength={3}
        defaultValue={plan?.currency ?? 'EUR'}
        hint="Three letters, like EUR"
        error={errors.currency}
      />
      <Field
        label="Countries"
        name="countries"
        required
        defaultValue={plan?.countries.join(', ')}
        hint="Two-letter codes, comma separated: FR, DE, ES"
        error={errors.countries}
      />
      <div className="field check">
        <label>
          <input type="checkbox" name="is_active" defaultChecked={plan?.is_active ?? true} /> On sale
        </label>
      </div>
      {error != null && !Object.keys(errors).length && <ErrorNote error={error} />}
      <button type="submit" disabled={busy}>
        {submitLabel}
      </button>
    </form>
  );
}

export function CataloguePage() {
  const queryClient = useQueryClient();
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<string | null>(null);
  const plans = useQuery({
    queryKey: ['admin', 'plans'],
    queryFn: () => unwrap(api.GET('/api/v1/admin/plans', { params: { query: { limit: 200 } } })),
  });
  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: ['admin'] }),
      queryClient.invalidateQueries({ queryKey: ['plans'] }),
    ]);
  const create = useMutation({
    mutationFn: (body: PlanBody) => unwrap(api.POST('/api/v1/admin/plans', { body })),
    onSuccess: async () => {
      setCreating(false);
      await refresh();
    },
  });
  const update = useMutation({
    mutationFn: ({ id, body }: { id: string; body: Partial<PlanBody> }) =>
      unwrap(api.PATCH('/api/v1/admin/plans/{id}', { params: { path: { id } }, body })),
    onSuccess: async () => {
      setEditing(null);
      await refresh();
    },
  });
  const items = plans.data?.items ?? [];
  return (
    <Page
      title="Catalogue"
      actions={
        <button type="button" onClick={() => setCreating((c) => !c)} aria-expanded={creating}>
          {creating ? 'Close' : 'New plan'}
        </button>
      }
    >
      {creating && (
        <section className="card" aria-label="New plan">
          <PlanForm
            submitLabel="Create plan"
            onSubmit={(b) => create.mutate(b)}
            error={create.error}
            busy={create.isPending}
          />
        </section>
      )}
      {plans.isPending && <Loading what="plans" />}
      {plans.isError && <ErrorNote error={plans.error} retry={() => plans.refetch()} />}
      {plans.isSuccess && items.length === 0 && (
        <Empty>
          <p>The catalogue is empty. Press “New plan” to add the first one.</p>
        </Empty>
      )}
      <ul className="list plans-admin">
        {items.map((p) => (
          <li key={p.id} className="card" data-plan-code={p.code}>
            <h2>
              {p.name}{' '}
              <span className={`badge ${p.is_active ? 'active' : 'inactive'}`}>
                {p.is_active ? 'on sale' : 'not on sale'}
              </span>
            </h2>
            <p>
              {p.code} · {formatBytes(p.data_bytes)} · {p.validity_days} days ·{' '}
              {formatPrice(p.price_cents, p.currency)} · {p.countries.join(', ')}
            </p>
            <div className="row">
              <button
                type="button"
                className="secondary"
                aria-expanded={editing === p.id}
                onClick={() => setEditing(editing === p.id ? null : p.id)}
              >
                {editing === p.id ? 'Close' : `Edit ${p.name}`}
              </button>
              <button
                type="button"
                className={p.is_active ? 'danger' : 'secondary'}
                disabled={update.isPending}
                onClick={() => update.mutate({ id: p.id, body: { is_active: !p.is_active } })}
                aria-label={`${p.is_active ? 'Take off sale' : 'Put on sale'}: ${p.name}`}
              >
                {p.is_active ? 'Take off sale' : 'Put on sale'}
              </button>
            </div>
            {editing === p.id && (
              <PlanForm
                plan={p}
                submitLabel="Save changes"
                onSubmit={(body) => update.mutate({ id: p.id, body })}
                error={update.error}
                busy={update.isPending}
              />
            )}
          </li>
        ))}
      </ul>
    </Page>
  );
}
