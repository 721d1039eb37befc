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

const DefaultsDoc = graphql(`
  query TenantDefaultMessages {
    defaultSystemMessages { event text builtIn variables }
  }
`);

const UpdateDefaultsDoc = graphql(`
  mutation UpdateTenantDefaultMessages($input: [DefaultSystemMessageInput!]!) {
    updateDefaultSystemMessages(input: $input) { event text builtIn variables }
  }
`);

type Default = { event: string; text: string; builtIn: boolean; variables: string[] };

/**
 * The tenant's default texts, which every account's DEFAULT mode sends: each
 * one edited in place, or restored to Switchboard's built-in text.
 */
export function DefaultMessages({ onSaved }: { onSaved: () => void }) {
  const [defaults, setDefaults] = useState<Default[]>([]);
  const [edited, setEdited] = useState<Record<string, string>>({});
  const [error, setError] = useState("");
  const [saved, setSaved] = useState("");
  useEffect(() => {
    request(DefaultsDoc)
      .then((r) => setDefaults(r.defaultSystemMessages))
      .catch((err) => setError(errorText(err)));
  }, []);
  const save = async (input: { event: string; text: string | null }[]) => {
    setError("");
    setSaved("");
    try {
      const r = await request(UpdateDefaultsDoc, { input: input.map((d) => ({ event: d.event as never, text: d.text })) });
      setDefaults(r.updateDefaultSystemMessages);
      setEdited({});
      setSaved("Defaults saved.");
      onSaved();
    } catch (err) {
      setError(errorText(err));
    }
  };
  const changed = Object.entries(edited).map(([event, text]) => ({ event, text }));
  return (
    <section className="panel" aria-labelledby="defaults-title">
      <h2 id="defaults-title">Default texts</h2>
      <p className="muted">What every account set to DEFAULT sends for each event.</p>
      <table>
        <thead>
          <tr>
            <th scope="col">Event</th>
            <th scope="col">Text</th>
            <th scope="col" />
          </tr>
        </thead>
        <tbody>
          {defaults.map((d) => (
            <tr key={d.event}>
              <th scope="row">{d.event.replace(/_/g, " ").toLowerCase()}</th>
              <td>
                <textarea aria-label={`Default text of ${d.event}`} rows={2} value={edited[d.event] ?? d.text} onChange={(e) => setEdited({ ...edited, [d.event]: e.target.value })} />
                <small className="muted">
                  {d.builtIn ? "Built in. " : ""}Variables: {d.variables.map((v) => `{${v}}`).join(" ")}
                </small>
              </td>
              <td>
                {!d.builtIn && (
                  <button type="button" className="small secondary" onClick={() => save([{ event: d.event, text: null }])}>
                    Restore built-in
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <button type="button" onClick={() => save(changed)} disabled={changed.length === 0}>
        Save default texts
      </button>
      {saved && <p role="status">{saved}</p>}
      <ErrorNote error={error} />
    </section>
  );
}

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
  // Again when the tenant's defaults change: DEFAULT events show them.
  useEffect(() => {
    void load(account);
  }, [account, load, version]);

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
