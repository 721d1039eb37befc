// The admin's pages: integration accounts (forms generated from the schema,
// secrets write-only), Test Connection and Set Webhook, the webhook URL and
// health; chat services; users.
import { useCallback, useEffect, useState, type FormEvent } from "react";
import { graphql } from "../gql";
import type { IntegrationSettingsInput, UserRole } from "../gql/graphql";
import { request, requestText } from "../api";
import { accountNames, adminAccountsQuery, type Account, type Secret } from "../accounts";
import { ErrorNote, errorText } from "../components";
import { labelOf, messengers, type Messenger } from "../schemaForms";
import { ScenarioEditor } from "./ScenarioEditor";
import { DefaultMessages, SystemMessages } from "./AdminSystemMessages";
import { Tokens } from "./AdminTokens";
import { parseSkills, skillsText } from "../skills";
import type { AdminServicesQuery } from "../gql/graphql";

const TestDoc = graphql(`
  mutation TestConnection($id: ID!) {
    testConnection(id: $id) { ok message }
  }
`);

const SetWebhookDoc = graphql(`
  mutation SetWebhook($id: ID!) {
    setWebhook(id: $id) { ok message }
  }
`);

const ConnectDoc = graphql(`
  mutation ConnectAccount($id: ID!) {
    connectIntegrationAccount(id: $id) { id status }
  }
`);

const VerifyTokenDoc = graphql(`
  mutation GenerateVerifyToken($id: ID!) {
    generateWebhookVerifyToken(id: $id) { id }
  }
`);

const CreateAccountDoc = graphql(`
  mutation ConsoleCreateAccount($input: CreateIntegrationAccountInput!) {
    createIntegrationAccount(input: $input) { id }
  }
`);

const UpdateAccountDoc = graphql(`
  mutation ConsoleUpdateAccount($id: ID!, $input: UpdateIntegrationAccountInput!) {
    updateIntegrationAccount(id: $id, input: $input) { id }
  }
`);

const DisconnectDoc = graphql(`
  mutation ConsoleDisconnectAccount($id: ID!) {
    disconnectIntegrationAccount(id: $id) { id status }
  }
`);

const DeleteAccountDoc = graphql(`
  mutation ConsoleDeleteAccount($id: ID!) {
    deleteIntegrationAccount(id: $id)
  }
`);

const ServicesDoc = graphql(`
  query AdminServices {
    chatServices {
      id
      name
      priority
      timeZone
      hours
      offerTimeoutSeconds
      inactivityWarningSeconds
      inactivityCloseSeconds
      requiredSkills { name level }
      accounts { id name }
      agents { id name }
    }
  }
`);

const UpdateServiceDoc = graphql(`
  mutation UpdateService($id: ID!, $input: ChatServiceInput!) {
    updateChatService(id: $id, input: $input) { id }
  }
`);

const CreateServiceDoc = graphql(`
  mutation CreateService($input: ChatServiceInput!) {
    createChatService(input: $input) { id name }
  }
`);

const ScenarioOffDoc = graphql(`
  mutation ScenarioOff($id: ID!) {
    saveScenario(serviceId: $id, input: null) { id }
  }
`);

const UsersDoc = graphql(`
  query AdminUsers {
    users(first: 100) { edges { node { id name email role active state capacity skills { name level } } } }
  }
`);

const UpdateUserDoc = graphql(`
  mutation UpdateConsoleUser($id: ID!, $input: UpdateUserInput!) {
    updateUser(id: $id, input: $input) { id }
  }
`);

const CreateUserDoc = graphql(`
  mutation CreateConsoleUser($input: CreateUserInput!) {
    createUser(input: $input) { id }
  }
`);

export function AdminPage() {
  // Bumped when the accounts change, so the services' account choices follow.
  const [accountsVersion, setAccountsVersion] = useState(0);
  const accountsChanged = useCallback(() => setAccountsVersion((v) => v + 1), []);
  const [tab, setTab] = useState<"accounts" | "messages" | "people">("accounts");
  const tabs = { accounts: "Accounts and services", messages: "System messages", people: "Users and tokens" };
  return (
    <div className="admin">
      <nav className="admin-nav" aria-label="Admin sections">
        {Object.entries(tabs).map(([k, label]) => (
          <button key={k} type="button" className={tab === k ? "" : "secondary"} aria-pressed={tab === k} onClick={() => setTab(k as typeof tab)}>
            {label}
          </button>
        ))}
      </nav>
      {tab === "accounts" && (
        <>
          <Accounts onChange={accountsChanged} />
          <Services accountsVersion={accountsVersion} />
        </>
      )}
      {tab === "messages" && (
        <>
          <SystemMessages version={accountsVersion} />
          <DefaultMessages onSaved={accountsChanged} />
        </>
      )}
      {tab === "people" && (
        <>
          <Users />
          <Tokens />
        </>
      )}
    </div>
  );
}

function Accounts({ onChange }: { onChange: () => void }) {
  const [kinds, setKinds] = useState<Messenger[]>([]);
  const [accounts, setAccounts] = useState<Account[]>([]);
  const [kind, setKind] = useState("");
  const [error, setError] = useState("");
  const [results, setResults] = useState<Record<string, string>>({});
  const [editing, setEditing] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<string | null>(null);

  const reload = useCallback(async (list: Messenger[]) => {
    // The settings of every messenger the schema has, each field by its name
    // (a new messenger needs no console change), beside a checked fragment.
    const r = await requestText<{ integrationAccounts: { edges: { node: Account }[] } }>(adminAccountsQuery(list));
    setAccounts(r.integrationAccounts.edges.map((e) => e.node));
    onChange();
  }, [onChange]);

  useEffect(() => {
    messengers()
      .then(async (list) => {
        setKinds(list);
        setKind((k) => k || list[0]?.key || "");
        await reload(list);
      })
      .catch((err) => setError(errorText(err)));
  }, [reload]);

  const act = async (id: string, what: string, f: () => Promise<{ ok: boolean; message: string } | null>) => {
    try {
      const r = await f();
      setResults((all) => ({ ...all, [id]: r ? `${what}: ${r.ok ? "passed" : "failed"}${r.message ? " — " + r.message : ""}` : `${what}: done` }));
      await reload(kinds);
    } catch (err) {
      setResults((all) => ({ ...all, [id]: `${what}: ${errorText(err)}` }));
    }
  };

  const messenger = kinds.find((k) => k.key === kind);

  return (
    <section className="panel" aria-labelledby="accounts-title">
      <h2 id="accounts-title">Integration accounts</h2>
      <ErrorNote error={error} />
      <table className="accounts">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Messenger</th>
            <th scope="col">Status</th>
            <th scope="col">Webhook URL</th>
            <th scope="col">Settings</th>
            <th scope="col">Health</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {accounts.map((a) => (
            <tr key={a.id}>
              <td>{a.name}</td>
              <td>{a.type}</td>
              <td>
                {a.status}
                {a.verifiedAt ? " · verified" : ""}
              </td>
              <td>
                <code className="url">{a.webhookUrl}</code>{" "}
                <button type="button" className="small" onClick={() => navigator.clipboard?.writeText(a.webhookUrl)} aria-label={`Copy the webhook URL of ${a.name}`}>
                  Copy
                </button>
              </td>
              <td>
                <dl className="settings">
                  {Object.entries(a.settings)
                    .filter(([k]) => k !== "__typename")
                    .map(([k, v]) => (
                      <div key={k}>
                        <dt>{labelOf(k)}</dt>
                        <dd>{typeof v === "object" && v !== null ? secretText(v as Secret) : String(v)}</dd>
                      </div>
                    ))}
                </dl>
              </td>
              <td>
                {a.health.failing ? <span className="error">failing: {a.health.lastSendError}</span> : "ok"}
                <br />
                <span className="muted">in: {a.health.lastInboundAt ? new Date(a.health.lastInboundAt).toLocaleString() : "never"}</span>
                <br />
                <span className="muted">out: {a.health.lastSentAt ? new Date(a.health.lastSentAt).toLocaleString() : "never"}</span>
              </td>
              <td className="buttons">
                <button type="button" className="small" onClick={() => act(a.id, "Test Connection", async () => (await request(TestDoc, { id: a.id })).testConnection)}>
                  Test Connection
                </button>
                <button type="button" className="small" onClick={() => act(a.id, "Set Webhook", async () => (await request(SetWebhookDoc, { id: a.id })).setWebhook)}>
                  Set Webhook
                </button>
                {a.status !== "ACTIVE" && (
                  <button type="button" className="small" onClick={() => act(a.id, "Connect", async () => (await request(ConnectDoc, { id: a.id }), null))}>
                    Connect
                  </button>
                )}
                {a.status === "ACTIVE" && (
                  <button type="button" className="small secondary" onClick={() => act(a.id, "Disconnect", async () => (await request(DisconnectDoc, { id: a.id }), null))}>
                    Disconnect
                  </button>
                )}
                <button type="button" className="small secondary" aria-expanded={editing === a.id} onClick={() => setEditing(editing === a.id ? null : a.id)}>
                  Edit
                </button>
                <button type="button" className="small secondary" aria-expanded={deleting === a.id} onClick={() => setDeleting(deleting === a.id ? null : a.id)}>
                  Delete
                </button>
                {"webhookVerifyToken" in a.settings && (
                  <button type="button" className="small" onClick={() => act(a.id, "New verify token", async () => (await request(VerifyTokenDoc, { id: a.id }), null))}>
                    New verify token
                  </button>
                )}
                {results[a.id] && (
                  <p role="status" className="result">
                    {results[a.id]}
                  </p>
                )}
                {deleting === a.id && (
                  <div role="group" aria-label={`Delete ${a.name}`} className="confirm">
                    <p>Delete {a.name}? Its webhook URL stops working; its conversations are deleted with it.</p>
                    <button
                      type="button"
                      className="small danger"
                      onClick={async () => {
                        setDeleting(null);
                        await act(a.id, "Delete", async () => (await request(DeleteAccountDoc, { id: a.id }), null));
                      }}
                    >
                      Delete account
                    </button>{" "}
                    <button type="button" className="small secondary" onClick={() => setDeleting(null)}>
                      Keep it
                    </button>
                  </div>
                )}
              </td>
            </tr>
          ))}
          {accounts
            .filter((a) => a.id === editing)
            .map((a) => {
              const m = kinds.find((k) => k.outputType === a.settings.__typename);
              return (
                <tr key={`${a.id}-edit`}>
                  <td colSpan={7}>
                    {m && (
                      <AccountForm
                        messenger={m}
                        account={a}
                        onCreated={async () => {
                          setEditing(null);
                          setResults((all) => ({ ...all, [a.id]: "Saved" }));
                          await reload(kinds);
                        }}
                      />
                    )}
                  </td>
                </tr>
              );
            })}
        </tbody>
      </table>

      <h3>Add an account</h3>
      <label>
        Messenger
        <select value={kind} onChange={(e) => setKind(e.target.value)}>
          {kinds.map((k) => (
            <option key={k.key} value={k.key}>
              {labelOf(k.key)}
            </option>
          ))}
        </select>
      </label>
      {messenger && <AccountForm key={messenger.key} messenger={messenger} onCreated={() => reload(kinds)} />}
    </section>
  );
}

function secretText(s: Secret): string {
  if (!s.isSet) return "not set";
  return s.last4 ? `set (…${s.last4})` : "set";
}

/**
 * Creates an account of messenger, or with account given, changes its name and
 * settings: secrets are write-only (empty keeps the stored one, a value
 * replaces it), other fields start from their current values.
 */
function AccountForm({ messenger, account, onCreated }: { messenger: Messenger; account?: Account; onCreated: () => void }) {
  const current = (name: string): string => {
    const v = account?.settings[name];
    return v === null || v === undefined || typeof v === "object" ? "" : String(v);
  };
  const [name, setName] = useState(account?.name ?? "");
  const [values, setValues] = useState<Record<string, string>>(() =>
    Object.fromEntries(messenger.fields.filter((f) => !f.secret).map((f) => [f.name, current(f.name)])),
  );
  const [error, setError] = useState("");
  const [field, setField] = useState("");
  const idPrefix = `${account?.id ?? "new"}-${messenger.key}`;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError("");
    setField("");
    const settings: Record<string, string> = {};
    for (const f of messenger.fields) {
      const v = values[f.name] ?? "";
      if (account ? (f.secret ? v !== "" : v !== current(f.name)) : v !== "") settings[f.name] = v;
    }
    // The member is chosen at run time (the schema's messengers); the server
    // checks the fields against that member's input type.
    const input = { [messenger.key]: settings } as unknown as IntegrationSettingsInput;
    try {
      if (account) await request(UpdateAccountDoc, { id: account.id, input: { name, settings: input } });
      else await request(CreateAccountDoc, { input: { name, settings: input } });
      if (!account) {
        setName("");
        setValues({});
      }
      onCreated();
    } catch (err) {
      setError(errorText(err));
      setField((err as { field?: string }).field ?? "");
    }
  };

  return (
    <form className="account-form" onSubmit={submit} aria-label={account ? `Edit ${account.name}` : `New ${labelOf(messenger.key)} account`}>
      <label>
        Name
        <input value={name} onChange={(e) => setName(e.target.value)} required />
      </label>
      {messenger.fields.map((f) => {
        const secret = account?.settings[f.name] as Secret | undefined;
        const help = f.description.replace(/^Required\.\s*/, "") + (account && f.secret ? ` Now ${secret ? secretText(secret) : "not set"}; leave empty to keep it.` : "");
        return (
          <label key={f.name} className={field.endsWith(f.name) ? "invalid" : undefined}>
            {labelOf(f.name)}
            {f.required && !account ? " (required)" : ""}
            {f.options.length ? (
              <select value={values[f.name] ?? ""} onChange={(e) => setValues({ ...values, [f.name]: e.target.value })}>
                <option value="">—</option>
                {f.options.map((o) => (
                  <option key={o}>{o}</option>
                ))}
              </select>
            ) : (
              <input
                type={f.secret ? "password" : "text"}
                autoComplete="off"
                value={values[f.name] ?? ""}
                onChange={(e) => setValues({ ...values, [f.name]: e.target.value })}
                required={f.required && !account}
                aria-invalid={field.endsWith(f.name) || undefined}
                aria-describedby={`${idPrefix}-${f.name}-help`}
              />
            )}
            <small id={`${idPrefix}-${f.name}-help`}>{help}</small>
          </label>
        );
      })}
      <ErrorNote error={error} />
      <button type="submit">{account ? "Save account" : "Create account"}</button>
    </form>
  );
}

function Services({ accountsVersion }: { accountsVersion: number }) {
  const [services, setServices] = useState<AdminServicesQuery["chatServices"]>([]);
  const [settingsOf, setSettingsOf] = useState<string | null>(null);
  const [accounts, setAccounts] = useState<{ id: string; name: string }[]>([]);
  const [agents, setAgents] = useState<{ id: string; name: string }[]>([]);
  const [name, setName] = useState("");
  const [picked, setPicked] = useState<string[]>([]);
  const [error, setError] = useState("");
  const [editing, setEditing] = useState<string | null>(null);

  const reload = useCallback(async () => {
    setServices((await request(ServicesDoc)).chatServices);
    setAccounts(await accountNames());
    const users = await request(UsersDoc);
    setAgents((users.users.edges ?? []).flatMap((e) => (e?.node && e.node.active && e.node.role !== "ADMIN" ? [{ id: e.node.id, name: e.node.name }] : [])));
  }, []);
  useEffect(() => void reload(), [reload, accountsVersion]);

  const create = async (e: FormEvent) => {
    e.preventDefault();
    setError("");
    try {
      const r = await request(CreateServiceDoc, { input: { name, accountIds: picked } });
      // Routing alone until a scenario is written for it.
      await request(ScenarioOffDoc, { id: r.createChatService.id });
      setName("");
      setPicked([]);
      await reload();
    } catch (err) {
      setError(errorText(err));
    }
  };

  return (
    <section className="panel" aria-labelledby="services-title">
      <h2 id="services-title">Chat services</h2>
      <ul>
        {services.map((s) => (
          <li key={s.id}>
            <strong>{s.name}</strong> · priority {s.priority} · offers {s.offerTimeoutSeconds}s · accounts: {(s.accounts ?? []).map((a) => a.name).join(", ") || "none"} · agents:{" "}
            {(s.agents ?? []).map((a) => a.name).join(", ") || "all with the skills"}{" "}
            <button type="button" className="small secondary" onClick={() => setSettingsOf(settingsOf === s.id ? null : s.id)} aria-expanded={settingsOf === s.id}>
              Settings
            </button>{" "}
            <button type="button" className="small secondary" onClick={() => setEditing(editing === s.id ? null : s.id)} aria-expanded={editing === s.id}>
              Edit scenario
            </button>
            {settingsOf === s.id && (
              <ServiceSettings
                service={s}
                accounts={accounts}
                agents={agents}
                onSaved={async () => {
                  setSettingsOf(null);
                  await reload();
                }}
              />
            )}
            {editing === s.id && <ScenarioEditor serviceId={s.id} onClose={() => setEditing(null)} />}
          </li>
        ))}
      </ul>
      <form onSubmit={create} className="inline-form">
        <label>
          Service name
          <input value={name} onChange={(e) => setName(e.target.value)} required />
        </label>
        <fieldset>
          <legend>Accounts</legend>
          {accounts.map((a) => (
            <label key={a.id} className="check">
              <input
                type="checkbox"
                checked={picked.includes(a.id)}
                onChange={(e) => setPicked(e.target.checked ? [...picked, a.id] : picked.filter((x) => x !== a.id))}
              />
              {a.name}
            </label>
          ))}
        </fieldset>
        <button type="submit">Create service</button>
      </form>
      <ErrorNote error={error} />
    </section>
  );
}

type Service = AdminServicesQuery["chatServices"][number];

/** A service's settings: queue order, hours, offers, inactivity, skills, accounts. */
function ServiceSettings({
  service,
  accounts,
  agents,
  onSaved,
}: {
  service: Service;
  accounts: { id: string; name: string }[];
  agents: { id: string; name: string }[];
  onSaved: () => void;
}) {
  const [f, setF] = useState({
    name: service.name,
    priority: String(service.priority),
    timeZone: service.timeZone,
    hours: service.hours,
    offerTimeoutSeconds: String(service.offerTimeoutSeconds),
    inactivityWarningSeconds: String(service.inactivityWarningSeconds),
    inactivityCloseSeconds: String(service.inactivityCloseSeconds),
    skills: skillsText(service.requiredSkills),
  });
  const [picked, setPicked] = useState((service.accounts ?? []).map((a) => a.id));
  const [members, setMembers] = useState((service.agents ?? []).map((a) => a.id));
  const [error, setError] = useState("");
  const [field, setField] = useState("");
  const text = (k: keyof typeof f, label: string, help = "") => (
    <label className={field === k ? "invalid" : undefined}>
      {label}
      <input value={f[k]} onChange={(e) => setF({ ...f, [k]: e.target.value })} />
      {help && <small>{help}</small>}
    </label>
  );
  const save = async (e: FormEvent) => {
    e.preventDefault();
    setError("");
    setField("");
    try {
      await request(UpdateServiceDoc, {
        id: service.id,
        input: {
          name: f.name,
          priority: Number(f.priority),
          timeZone: f.timeZone,
          hours: f.hours,
          offerTimeoutSeconds: Number(f.offerTimeoutSeconds),
          inactivityWarningSeconds: Number(f.inactivityWarningSeconds),
          inactivityCloseSeconds: Number(f.inactivityCloseSeconds),
          requiredSkills: parseSkills(f.skills),
          accountIds: picked,
          agentIds: members,
        },
      });
      onSaved();
    } catch (err) {
      setError(errorText(err));
      setField((err as { field?: string }).field ?? "");
    }
  };
  return (
    <form className="inline-form service-settings" onSubmit={save} aria-label={`Settings of ${service.name}`}>
      {text("name", "Name")}
      {text("priority", "Priority", "Higher is offered first.")}
      {text("timeZone", "Time zone", "IANA, as Europe/Berlin.")}
      {text("hours", "Opening hours", 'As "Mon-Fri 09:00-18:00"; empty: always open.')}
      {text("offerTimeoutSeconds", "Offer timeout (s)")}
      {text("inactivityWarningSeconds", "Inactivity warning (s)", "0: off.")}
      {text("inactivityCloseSeconds", "Close after the warning (s)", "0: never.")}
      {text("skills", "Required skills", "As billing:3, french:2.")}
      <fieldset>
        <legend>Accounts</legend>
        {accounts.map((a) => (
          <label key={a.id} className="check">
            <input type="checkbox" checked={picked.includes(a.id)} onChange={(e) => setPicked(e.target.checked ? [...picked, a.id] : picked.filter((x) => x !== a.id))} />
            {a.name}
          </label>
        ))}
      </fieldset>
      <fieldset>
        <legend>Agents</legend>
        <small className="muted">None ticked: every agent with the required skills serves it.</small>
        {agents.map((a) => (
          <label key={a.id} className="check">
            <input type="checkbox" checked={members.includes(a.id)} onChange={(e) => setMembers(e.target.checked ? [...members, a.id] : members.filter((x) => x !== a.id))} />
            {a.name}
          </label>
        ))}
      </fieldset>
      <button type="submit">Save settings</button>
      <ErrorNote error={error} />
    </form>
  );
}

/** An agent's skills and capacity, edited in place. */
function AgentWork({ user, onSaved }: { user: { id: string; capacity: number; skills: { name: string; level: number }[] }; onSaved: () => void }) {
  const [skills, setSkills] = useState(skillsText(user.skills));
  const [capacity, setCapacity] = useState(String(user.capacity));
  const [error, setError] = useState("");
  const [saved, setSaved] = useState(false);
  const save = async () => {
    setError("");
    setSaved(false);
    try {
      await request(UpdateUserDoc, { id: user.id, input: { skills: parseSkills(skills), capacity: Number(capacity) } });
      setSaved(true);
      onSaved();
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <>
      <td>
        <input aria-label="Skills" value={skills} onChange={(e) => setSkills(e.target.value)} placeholder="none" />
      </td>
      <td>
        <input aria-label="Capacity" className="narrow" value={capacity} onChange={(e) => setCapacity(e.target.value)} inputMode="numeric" />
      </td>
      <td>
        <button type="button" className="small" onClick={save}>
          Save
        </button>
        {saved && (
          <span role="status" className="muted">
            {" "}
            saved
          </span>
        )}
        <ErrorNote error={error} />
      </td>
    </>
  );
}

function Users() {
  const [users, setUsers] = useState<
    { id: string; name: string; email: string | null; role: string; active: boolean; state: string; capacity: number; skills: { name: string; level: number }[] }[]
  >([]);
  const [form, setForm] = useState({ name: "", email: "", password: "", role: "AGENT" as UserRole });
  const [error, setError] = useState("");

  const reload = useCallback(async () => {
    const r = await request(UsersDoc);
    setUsers((r.users.edges ?? []).flatMap((e) => (e?.node ? [e.node] : [])));
  }, []);
  useEffect(() => void reload(), [reload]);

  const create = async (e: FormEvent) => {
    e.preventDefault();
    setError("");
    try {
      await request(CreateUserDoc, { input: form });
      setForm({ name: "", email: "", password: "", role: "AGENT" });
      await reload();
    } catch (err) {
      setError(errorText(err));
    }
  };

  return (
    <section className="panel" aria-labelledby="users-title">
      <h2 id="users-title">Users</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Email</th>
            <th scope="col">Role</th>
            <th scope="col">State</th>
            <th scope="col">Skills</th>
            <th scope="col">Capacity</th>
            <th scope="col" />
          </tr>
        </thead>
        <tbody>
          {users.map((u) => (
            <tr key={u.id}>
              <td>{u.name}</td>
              <td>{u.email}</td>
              <td>{u.role}</td>
              <td>{u.active ? u.state : "deactivated"}</td>
              <AgentWork user={u} onSaved={reload} />
            </tr>
          ))}
        </tbody>
      </table>
      <form onSubmit={create} className="inline-form">
        <label>
          Name
          <input value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} required />
        </label>
        <label>
          Email
          <input type="email" value={form.email} onChange={(e) => setForm({ ...form, email: e.target.value })} required />
        </label>
        <label>
          Password
          <input type="password" autoComplete="new-password" value={form.password} onChange={(e) => setForm({ ...form, password: e.target.value })} required />
        </label>
        <label>
          Role
          <select value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value as UserRole })}>
            <option>AGENT</option>
            <option>SUPERVISOR</option>
            <option>ADMIN</option>
          </select>
        </label>
        <button type="submit">Add user</button>
      </form>
      <ErrorNote error={error} />
    </section>
  );
}
