/** API keys of machine clients: create (the key is shown once), list, revoke. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, unwrap, type Schemas } from '../../api/client';
import { CopyButton, ErrorNote, Field, Page } from '../../components/ui';
import { formatDate } from '../../format';
import { Listing } from './Oversight';

export function ApiKeysPage() {
  const queryClient = useQueryClient();
  const [created, setCreated] = useState<{ name: string; key: string } | null>(null);
  const keys = useQuery({
    queryKey: ['admin', 'api-keys'],
    queryFn: () => unwrap(api.GET('/api/v1/admin/api-keys', { params: { query: { limit: 100 } } })),
  });
  const create = useMutation({
    mutationFn: (name: string) => unwrap(api.POST('/api/v1/admin/api-keys', { body: { name } })),
    onSuccess: (k) => {
      setCreated({ name: k.name, key: k.key });
      return queryClient.invalidateQueries({ queryKey: ['admin', 'api-keys'] });
    },
  });
  const revoke = useMutation({
    mutationFn: (id: string) =>
      unwrap(api.DELETE('/api/v1/admin/api-keys/{id}', { params: { path: { id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['admin', 'api-keys'] }),
  });
  return (
    <Page title="API keys">
      <p>
        Machine clients, such as the network's usage feed, send one of these keys in the X-API-Key header.
      </p>
      <form
        className="filters"
        onSubmit={(e) => {
          e.preventDefault();
          const form = e.currentTarget;
          create.mutate(String(new FormData(form).get('name')).trim(), { onSuccess: () => form.reset() });
        }}
      >
        <Field
          label="Name of the new key"
          name="name"
          required
          maxLength={100}
          hint="Who will use it, like “usage feed”"
        />
        <button type="submit" disabled={create.isPending}>
          Create key
        </button>
      </form>
      {create.isError && <ErrorNote error={create.error} />}
      {created && (
        <div className="note success" role="status">
          <p>
            The key “{created.name}” is: <code data-testid="new-api-key">{created.key}</code>{' '}
            <CopyButton text={created.key} label="Copy key" />
          </p>
          <p>Copy it now: it is shown only this once.</p>
        </div>
      )}
      <Listing
        query={keys}
        what="API keys"
        empty="No key yet. Create one for each machine client."
        head={['Name', 'Starts with', 'Made', 'Last used', '']}
        row={(k: Schemas['ApiKey']) => (
          <tr key={k.id}>
            <td>{k.name}</td>
            <td>
              <code>{k.prefix}</code>
            </td>
            <td>{formatDate(k.created_at)}</td>
            <td>{formatDate(k.last_used_at)}</td>
            <td>
              {k.revoked_at ? (
                'Revoked'
              ) : (
                <button
                  type="button"
                  className="danger small"
                  onClick={() => revoke.mutate(k.id)}
                  aria-label={`Revoke ${k.name}`}
                >
                  Revoke
                </button>
              )}
            </td>
          </tr>
        )}
      />
    </Page>
  );
}
