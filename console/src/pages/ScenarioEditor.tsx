// The scenario editor: a service's blocks as cards (type, parameters, named
// exits), the start block, the template to begin from, and on save the
// server's validation problems shown on the block and field they concern.
import { useEffect, useState } from "react";
import { graphql } from "../gql";
import type { ScenarioBlockType, ScenarioFieldsFragment } from "../gql/graphql";
import { ApiError, request } from "../api";
import { ErrorNote, errorText } from "../components";

export const ScenarioFields = graphql(`
  fragment ScenarioFields on Scenario {
    start
    blocks {
      id
      type
      sendMessage { text }
      if { branches { name conditions { subject op field value number ignoreCase timeZone not } } }
      findAgent { skills { skill minLevel } timeoutSeconds }
      collect { question variable pattern retryText maxAttempts }
      survey { question commentQuestion retryText maxAttempts }
      exit { closingText }
      exits { name to }
    }
  }
`);

const ServiceScenarioDoc = graphql(`
  query ServiceScenario($id: ID!) {
    node(id: $id) { ... on ChatService { id name scenario { ...ScenarioFields } } }
    defaultScenario { ...ScenarioFields }
  }
`);

const SaveDoc = graphql(`
  mutation SaveServiceScenario($id: ID!, $input: ScenarioInput) {
    saveScenario(serviceId: $id, input: $input) { id scenario { ...ScenarioFields } }
  }
`);

const paramKey: Record<ScenarioBlockType, string | null> = {
  SEND_MESSAGE: "sendMessage",
  IF: "if",
  FIND_AGENT: "findAgent",
  CONNECT_CHAT: null,
  COLLECT: "collect",
  SURVEY: "survey",
  EXIT: "exit",
};

const blankParams: Record<string, unknown> = {
  sendMessage: { text: "" },
  if: { branches: [{ name: "branch", conditions: [{ subject: "MESSAGE_TEXT", op: "CONTAINS", value: "" }] }] },
  findAgent: { skills: [], timeoutSeconds: 300 },
  collect: { question: "", variable: "answer" },
  survey: { question: "How did we do, from 1 to 5?" },
  exit: { closingText: "" },
};

interface EditBlock {
  id: string;
  type: ScenarioBlockType;
  params: string; // the parameters as JSON, edited as text
  exits: { name: string; to: string }[];
}

/** Drops nulls, so a scenario read back is a valid input again. */
function clean(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(clean);
  if (v && typeof v === "object") {
    return Object.fromEntries(
      Object.entries(v)
        .filter(([, x]) => x !== null && x !== undefined)
        .map(([k, x]) => [k, clean(x)]),
    );
  }
  return v;
}

function toEdit(s: ScenarioFieldsFragment): { start: string; blocks: EditBlock[] } {
  return {
    start: s.start,
    blocks: s.blocks.map((b) => {
      const key = paramKey[b.type];
      const params = key ? (b as unknown as Record<string, unknown>)[key] : null;
      return { id: b.id, type: b.type, params: key ? JSON.stringify(clean(params ?? {}), null, 2) : "", exits: b.exits.map((e) => ({ ...e })) };
    }),
  };
}

export function ScenarioEditor({ serviceId, onClose }: { serviceId: string; onClose: () => void }) {
  const [start, setStart] = useState("");
  const [blocks, setBlocks] = useState<EditBlock[] | null>(null);
  const [template, setTemplate] = useState<ScenarioFieldsFragment | null>(null);
  const [name, setName] = useState("");
  const [problems, setProblems] = useState<{ field: string; message: string }[]>([]);
  const [error, setError] = useState("");
  const [saved, setSaved] = useState("");

  useEffect(() => {
    void request(ServiceScenarioDoc, { id: serviceId }).then((r) => {
      const svc = r.node as { name?: string; scenario?: ScenarioFieldsFragment | null } | null;
      setName(svc?.name ?? "");
      setTemplate(r.defaultScenario);
      const e = svc?.scenario ? toEdit(svc.scenario) : { start: "", blocks: [] };
      setStart(e.start);
      setBlocks(e.blocks);
    });
  }, [serviceId]);

  if (!blocks) return <p className="muted">Loading the scenario…</p>;

  const change = (i: number, patch: Partial<EditBlock>) => setBlocks(blocks.map((b, j) => (i === j ? { ...b, ...patch } : b)));
  const problemsOf = (id: string) => problems.filter((p) => p.field.startsWith(`blocks[${id}]`));
  const general = problems.filter((p) => !/^blocks\[[^\]]+\]/.test(p.field));

  const save = async (off = false) => {
    setError("");
    setSaved("");
    setProblems([]);
    let input: unknown = null;
    if (!off) {
      try {
        input = {
          start,
          blocks: blocks.map((b) => {
            const key = paramKey[b.type];
            const out: Record<string, unknown> = { id: b.id, type: b.type, exits: b.exits };
            if (key) out[key] = b.params.trim() ? JSON.parse(b.params) : {};
            return out;
          }),
        };
      } catch {
        setError("A block's parameters are not valid JSON.");
        return;
      }
    }
    try {
      await request(SaveDoc, { id: serviceId, input: input as never });
      setSaved(off ? "Scenario removed: conversations are offered at once." : "Scenario saved.");
    } catch (err) {
      if (err instanceof ApiError && err.fields.length) setProblems(err.fields);
      else setError(errorText(err));
    }
  };

  return (
    <section className="scenario" aria-labelledby="scenario-title">
      <h3 id="scenario-title">Scenario of {name}</h3>
      <div className="buttons">
        <label>
          Start block
          <select value={start} onChange={(e) => setStart(e.target.value)}>
            <option value="">—</option>
            {blocks.map((b) => (
              <option key={b.id}>{b.id}</option>
            ))}
          </select>
        </label>
        <button type="button" className="secondary" onClick={() => template && (setStart(toEdit(template).start), setBlocks(toEdit(template).blocks))}>
          Start from the template
        </button>
        <button
          type="button"
          className="secondary"
          onClick={() => setBlocks([...blocks, { id: `block${blocks.length + 1}`, type: "SEND_MESSAGE", params: JSON.stringify(blankParams.sendMessage, null, 2), exits: [{ name: "next", to: "" }] }])}
        >
          Add a block
        </button>
      </div>
      {general.map((p) => (
        <p key={p.field + p.message} role="alert" className="error">
          {p.field === "blocks" ? p.message : `${p.field}: ${p.message}`}
        </p>
      ))}
      <ol className="blocks">
        {blocks.map((b, i) => {
          const mine = problemsOf(b.id);
          const key = paramKey[b.type];
          return (
            <li key={i} className={mine.length ? "block invalid" : "block"} aria-label={`Block ${b.id}`}>
              <div className="block-head">
                <label>
                  ID
                  <input value={b.id} onChange={(e) => change(i, { id: e.target.value })} />
                </label>
                <label>
                  Type
                  <select
                    value={b.type}
                    onChange={(e) => {
                      const type = e.target.value as ScenarioBlockType;
                      const k = paramKey[type];
                      change(i, { type, params: k ? JSON.stringify(blankParams[k], null, 2) : "" });
                    }}
                  >
                    {Object.keys(paramKey).map((t) => (
                      <option key={t}>{t}</option>
                    ))}
                  </select>
                </label>
                <button type="button" className="small secondary" onClick={() => setBlocks(blocks.filter((_, j) => j !== i))} aria-label={`Remove block ${b.id}`}>
                  Remove
                </button>
              </div>
              {key && (
                <label>
                  Parameters ({key})
                  <textarea rows={Math.min(12, b.params.split("\n").length + 1)} value={b.params} onChange={(e) => change(i, { params: e.target.value })} spellCheck={false} />
                </label>
              )}
              <fieldset>
                <legend>Exits</legend>
                {b.exits.map((x, k) => (
                  <div key={k} className="exit">
                    <input aria-label={`Exit name ${k + 1} of ${b.id}`} value={x.name} onChange={(e) => change(i, { exits: b.exits.map((y, m) => (m === k ? { ...y, name: e.target.value } : y)) })} />
                    <span aria-hidden="true">→</span>
                    <select aria-label={`Exit ${x.name} of ${b.id} leads to`} value={x.to} onChange={(e) => change(i, { exits: b.exits.map((y, m) => (m === k ? { ...y, to: e.target.value } : y)) })}>
                      <option value="">—</option>
                      {blocks.map((o) => (
                        <option key={o.id}>{o.id}</option>
                      ))}
                    </select>
                    <button type="button" className="small secondary" onClick={() => change(i, { exits: b.exits.filter((_, m) => m !== k) })} aria-label={`Remove exit ${x.name}`}>
                      ×
                    </button>
                  </div>
                ))}
                <button type="button" className="small secondary" onClick={() => change(i, { exits: [...b.exits, { name: "", to: "" }] })}>
                  Add an exit
                </button>
              </fieldset>
              {mine.map((p) => (
                <p key={p.field + p.message} role="alert" className="error">
                  {p.field.replace(`blocks[${b.id}]`, "").replace(/^\./, "") || "block"}: {p.message}
                </p>
              ))}
            </li>
          );
        })}
      </ol>
      <div className="buttons">
        <button type="button" onClick={() => save()}>
          Save scenario
        </button>
        <button type="button" className="secondary" onClick={() => save(true)}>
          No scenario
        </button>
        <button type="button" className="secondary" onClick={onClose}>
          Close editor
        </button>
      </div>
      {saved && <p role="status">{saved}</p>}
      <ErrorNote error={error} />
    </section>
  );
}
