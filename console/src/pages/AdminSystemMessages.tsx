// System messages per integration account: each chat event CUSTOM (the
// account's own text), DEFAULT (the tenant's) or DISABLED, with the variables
// each text may use.
import { useCallback, useEffect, useState } from "react";
import { graphql } from "../gql";
import type { SystemMessageMode } from "../gql/graphql";
import { request } from "../api";
import { accountNames } from "../accounts";
import { ErrorNote, errorText } from "../components";

const AccountMessagesDoc = graphql(`
  query AccountMessages($id: ID!) {
    node(id: $id) {
      ... on IntegrationAccount {
        id
        systemMessages { event mode text effectiveText variables }
      }
    }
  }
`);

const UpdateDoc = graphql(`
  mutation UpdateAccountMessages($accountId: ID!, $input: [SystemMessageInput!]!) {
    updateSystemMessages(accountId: $accountId, input: $input) { event mode text effectiveText variables }
  }
`);

type Setting = { event: string; mode: SystemMessageMode; text?: string | null; effectiveText?: string | null; variables: string[] };

export function SystemMessages({ version }: { version: number }) {
  const [accounts, setAccounts] = useState<{ id: string; name: string }[]>([]);
  const [account, setAccount] = useState("");
  const [settings, setSettings] = useState<Setting[]>([]);
  const [error, setError] = useState("");
  const [saved, setSaved] = useState("");

  useEffect(() => {
    void accountNames().then((list) => {
      setAccounts(list);
      setAccount((a) => a || list[0]?.id || "");
    });
  }, [version]);

  const load = useCallback(async (id: string) => {
    if (!id) return;
    const r = await request(AccountMessagesDoc, { id });
    setSettings(((r.node as { systemMessages?: Setting[] } | null)?.systemMessages ?? []).map((s) => ({ ...s })));
  }, []);
  useEffect(() => {
    void load(account);
  }, [account, load]);

  const save = async () => {
    setError("");
    setSaved("");
    try {
      const input = settings.map((s) => ({ event: s.event as never, mode: s.mode, text: s.text || null }));
      const r = await request(UpdateDoc, { accountId: account, input });
      setSettings(r.updateSystemMessages.map((s) => ({ ...s })));
      setSaved("Saved.");
    } catch (err) {
      setError(errorText(err));
    }
  };

  const change = (i: number, patch: Partial<Setting>) => setSettings(settings.map((s, j) => (i === j ? { ...s, ...patch } : s)));

  return (
    <section className="panel" aria-labelledby="sysmsg-title">
      <h2 id="sysmsg-title">System messages</h2>
      <label>
        Account
        <select value={account} onChange={(e) => setAccount(e.target.value)}>
          {accounts.map((a) => (
            <option key={a.id} value={a.id}>
              {a.name}
            </option>
          ))}
        </select>
      </label>
      <table>
        <thead>
          <tr>
            <th scope="col">Event</th>
            <th scope="col">Mode</th>
            <th scope="col">Text</th>
          </tr>
        </thead>
        <tbody>
          {settings.map((s, i) => (
            <tr key={s.event}>
              <th scope="row">{s.event.replace(/_/g, " ").toLowerCase()}</th>
              <td>
                <select aria-label={`Mode of ${s.event}`} value={s.mode} onChange={(e) => change(i, { mode: e.target.value as SystemMessageMode })}>
                  <option>CUSTOM</option>
                  <option>DEFAULT</option>
                  <option>DISABLED</option>
                </select>
              </td>
              <td>
                {s.mode === "CUSTOM" ? (
                  <textarea aria-label={`Text of ${s.event}`} rows={2} value={s.text ?? ""} onChange={(e) => change(i, { text: e.target.value })} />
                ) : (
                  <span className="muted">{s.effectiveText ?? "nothing is sent"}</span>
                )}
                <small className="muted"> Variables: {s.variables.map((v) => `{${v}}`).join(" ")}</small>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <button type="button" onClick={save} disabled={!account}>
        Save system messages
      </button>
      {saved && <p role="status">{saved}</p>}
      <ErrorNote error={error} />
    </section>
  );
}
