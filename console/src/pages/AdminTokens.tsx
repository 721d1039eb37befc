// API tokens: who holds which, their hints, creating one (shown once) and
// revoking one.
import { useCallback, useEffect, useState, type FormEvent } from "react";
import { graphql } from "../gql";
import { request } from "../api";
import { ErrorNote, errorText } from "../components";

const TokensDoc = graphql(`
  query AdminTokens {
    tokens(first: 100) { edges { node { id kind name hint createdAt expiresAt revokedAt user { id name } } } }
    users(first: 100) { edges { node { id name } } }
  }
`);

const CreateTokenDoc = graphql(`
  mutation CreateToken($input: CreateApiTokenInput!) {
    createApiToken(input: $input) { token apiToken { id } }
  }
`);

const RevokeDoc = graphql(`
  mutation RevokeToken($id: ID!) {
    revokeToken(id: $id) { id revokedAt }
  }
`);

type Data = Awaited<ReturnType<typeof load>>;
const load = () => request(TokensDoc);

export function Tokens() {
  const [data, setData] = useState<Data | null>(null);
  const [userId, setUserId] = useState("");
  const [name, setName] = useState("");
  const [created, setCreated] = useState("");
  const [error, setError] = useState("");

  const reload = useCallback(async () => setData(await load()), []);
  useEffect(() => {
    void reload();
  }, [reload]);

  const create = async (e: FormEvent) => {
    e.preventDefault();
    setError("");
    try {
      const r = await request(CreateTokenDoc, { input: { userId, name } });
      setCreated(r.createApiToken.token);
      setName("");
      await reload();
    } catch (err) {
      setError(errorText(err));
    }
  };

  const revoke = async (id: string) => {
    try {
      await request(RevokeDoc, { id });
      await reload();
    } catch (err) {
      setError(errorText(err));
    }
  };

  const users = (data?.users.edges ?? []).flatMap((e) => (e?.node ? [e.node] : []));
  return (
    <section className="panel" aria-labelledby="tokens-title">
      <h2 id="tokens-title">Tokens</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">User</th>
            <th scope="col">Kind</th>
            <th scope="col">Name</th>
            <th scope="col">Hint</th>
            <th scope="col">Expires</th>
            <th scope="col" />
          </tr>
        </thead>
        <tbody>
          {(data?.tokens.edges ?? []).flatMap((e) =>
            e?.node
              ? [
                  <tr key={e.node.id}>
                    <td>{e.node.user.name}</td>
                    <td>{e.node.kind}</td>
                    <td>{e.node.name}</td>
                    <td>
                      <code>{e.node.hint}</code>
                    </td>
                    <td>{e.node.revokedAt ? "revoked" : e.node.expiresAt ? new Date(e.node.expiresAt).toLocaleString() : "never"}</td>
                    <td>
                      {!e.node.revokedAt && (
                        <button type="button" className="small secondary" onClick={() => revoke(e.node!.id)}>
                          Revoke
                        </button>
                      )}
                    </td>
                  </tr>,
                ]
              : [],
          )}
        </tbody>
      </table>
      <form onSubmit={create} className="inline-form">
        <label>
          For
          <select value={userId} onChange={(e) => setUserId(e.target.value)} required>
            <option value="">a user…</option>
            {users.map((u) => (
              <option key={u.id} value={u.id}>
                {u.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Token name
          <input value={name} onChange={(e) => setName(e.target.value)} required />
        </label>
        <button type="submit">Create token</button>
      </form>
      {created && (
        <p role="status">
          New token (shown once, store it now): <code>{created}</code>
        </p>
      )}
      <ErrorNote error={error} />
    </section>
  );
}
