// The scenario editor: a service's blocks as cards, each with a form made for
// its type (a message's text, an IF block's branches of conditions, the skills
// a Find Agent needs…) and its named exits, the start block, the template to
// begin from, and on save the server's validation problems shown at the input
// they concern (or on the block). A block's parameters can also be edited as
// JSON, for pasting.
import { useEffect, useId, useRef, useState, type ReactNode } from "react";
import { graphql } from "../gql";
import type {
  ScenarioBlockInput,
  ScenarioBlockType,
  ScenarioConditionInput,
  ScenarioConditionOp,
  ScenarioConditionSubject,
  ScenarioFieldsFragment,
  ScenarioInput,
} from "../gql/graphql";
import { ApiError, request } from "../api";
import { ErrorNote, errorText } from "../components";
import "./ScenarioEditor.css";

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

// ---------------------------------------------------------------------------
// What each block type and condition subject takes (README, "Scenarios").

type ParamKey = "sendMessage" | "if" | "findAgent" | "collect" | "survey" | "exit";

const blockTypes: Record<ScenarioBlockType, { label: string; key: ParamKey | null; exits: string[] }> = {
  SEND_MESSAGE: { label: "Send message", key: "sendMessage", exits: ["next"] },
  IF: { label: "If (branches)", key: "if", exits: [] }, // one per branch, then else
  FIND_AGENT: { label: "Find agent", key: "findAgent", exits: ["found", "timeout"] },
  CONNECT_CHAT: { label: "Connect chat", key: null, exits: ["agentLeft", "customerLeft"] },
  COLLECT: { label: "Collect an answer", key: "collect", exits: ["done", "failed"] },
  SURVEY: { label: "Survey (rating 1–5)", key: "survey", exits: ["done"] },
  EXIT: { label: "Exit", key: "exit", exits: [] },
};
const typeList = Object.keys(blockTypes) as ScenarioBlockType[];

const exitHints: Record<string, string> = {
  next: "after the message is sent",
  else: "when no branch holds",
  found: "an agent accepted",
  timeout: "no agent accepted in time",
  agentLeft: "the agent left or closed the chat",
  customerLeft: "the customer left",
  done: "answered",
  failed: "no valid answer after the attempts allowed",
};

type Kind = "text" | "number" | "time";

const subjects: Record<ScenarioConditionSubject, { label: string; kind: Kind }> = {
  MESSAGE_TEXT: { label: "Customer's last message", kind: "text" },
  CONTACT_FIELD: { label: "Contact field", kind: "text" },
  VARIABLE: { label: "Collected variable", kind: "text" },
  TIME: { label: "Time", kind: "time" },
  QUEUE_LENGTH: { label: "Queue length", kind: "number" },
  ESTIMATED_WAIT: { label: "Estimated wait", kind: "number" },
};
const subjectList = Object.keys(subjects) as ScenarioConditionSubject[];

/** The ops each kind of subject takes; the server refuses any other. */
const opsOf: Record<Kind, ScenarioConditionOp[]> = {
  text: ["CONTAINS", "EQUALS", "MATCHES", "EMPTY"],
  number: ["EQUALS", "LESS_THAN", "AT_MOST", "GREATER_THAN", "AT_LEAST"],
  time: ["WITHIN"],
};

const opLabels: Record<ScenarioConditionOp, string> = {
  CONTAINS: "contains",
  EQUALS: "equals",
  MATCHES: "matches (regular expression)",
  EMPTY: "is empty",
  LESS_THAN: "less than",
  AT_MOST: "at most",
  GREATER_THAN: "greater than",
  AT_LEAST: "at least",
  WITHIN: "within the hours",
};

const defaultHours = "Mon-Fri 09:00-18:00";

// ---------------------------------------------------------------------------
// The editor's own shape of a scenario: strings for numbers (so a field can be
// empty while typed), exits by name, and blocks known by a key that does not
// change when their ID is renamed (exits and the start follow the rename).

interface CondEdit {
  subject: ScenarioConditionSubject;
  op: ScenarioConditionOp;
  field: string;
  value: string;
  number: string;
  ignoreCase: boolean;
  timeZone: string;
  not: boolean;
}

interface BranchEdit {
  name: string;
  /** The key of the block this branch's exit leads to. */
  to: string;
  conditions: CondEdit[];
}

interface Params {
  sendMessage: { text: string };
  if: { branches: BranchEdit[] };
  findAgent: { skills: { skill: string; minLevel: string }[]; timeoutSeconds: string };
  collect: { question: string; variable: string; pattern: string; retryText: string; maxAttempts: string };
  survey: { question: string; commentQuestion: string; retryText: string; maxAttempts: string };
  exit: { closingText: string };
}

interface EditBlock {
  /** Stable within the editor; exits and the start refer to it. */
  key: string;
  id: string;
  type: ScenarioBlockType;
  /** Parameters of every type, so switching the type and back loses nothing; the type's own are saved. */
  params: Params;
  /** Exit name → key of the block it leads to ("" none). An IF block's branches hold their own; else is here. */
  exits: Record<string, string>;
  /** The parameters as JSON text while the block is edited as JSON. */
  json: string | null;
}

/** A problem placed on a block (by key) and a path in it, as the server names fields. */
interface Problem {
  block: string | null;
  path: string;
  message: string;
  /** Found by the editor before asking the server (JSON that does not parse, say). */
  local?: boolean;
}

let keyCounter = 0;
const newKey = () => `b${++keyCounter}`;

const blankCondition = (): CondEdit => ({
  subject: "MESSAGE_TEXT",
  op: "CONTAINS",
  field: "",
  value: "",
  number: "0",
  ignoreCase: true,
  timeZone: "",
  not: false,
});

const blankParams = (): Params => ({
  sendMessage: { text: "" },
  if: { branches: [{ name: "branch1", to: "", conditions: [blankCondition()] }] },
  findAgent: { skills: [], timeoutSeconds: "300" },
  collect: { question: "", variable: "answer", pattern: "", retryText: "", maxAttempts: "" },
  survey: { question: "How did we do, from 1 to 5?", commentQuestion: "", retryText: "", maxAttempts: "" },
  exit: { closingText: "" },
});

function withParams(p: Params, key: ParamKey, value: Params[ParamKey]): Params {
  return { ...p, [key]: value } as Params;
}

/** The block's exits in order: its type's names, or an IF block's branch names and else. */
function exitsOf(b: EditBlock): { name: string; to: string; branch?: number }[] {
  if (b.type === "IF") {
    return [...b.params.if.branches.map((br, j) => ({ name: br.name, to: br.to, branch: j })), { name: "else", to: b.exits.else ?? "" }];
  }
  return (blockTypes[b.type]?.exits ?? []).map((name) => ({ name, to: b.exits[name] ?? "" }));
}

/** The variables COLLECT blocks store, for texts and VARIABLE conditions. */
function collectedVariables(blocks: EditBlock[]): string[] {
  const names = blocks.filter((b) => b.type === "COLLECT").map((b) => b.params.collect.variable.trim());
  return [...new Set(names.filter(Boolean))];
}

// ---------------------------------------------------------------------------
// Reading parameters: from the server (lenient) or from JSON typed by a person
// (strict: each mistake is a problem at the path the server would name).

const join = (path: string, k: string) => (path ? `${path}.${k}` : k);

class Reader {
  problems: { path: string; message: string }[] = [];
  private strict: boolean;
  constructor(strict: boolean) {
    this.strict = strict;
  }
  bad(path: string, message: string) {
    if (this.strict) this.problems.push({ path, message });
  }
  obj(v: unknown, path: string, keys: string[]): Record<string, unknown> {
    if (v === null || v === undefined) return {};
    if (typeof v !== "object" || Array.isArray(v)) {
      this.bad(path, "must be an object");
      return {};
    }
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) {
      if (!keys.includes(k) && k !== "__typename") this.bad(join(path, k), `unknown field "${k}"; the fields here are ${keys.join(", ")}`);
    }
    return o;
  }
  str(o: Record<string, unknown>, k: string, path: string): string {
    const v = o[k];
    if (v === null || v === undefined) return "";
    if (typeof v === "string") return v;
    this.bad(join(path, k), "must be a text in quotes");
    return "";
  }
  int(o: Record<string, unknown>, k: string, path: string): string {
    const v = o[k];
    if (v === null || v === undefined) return "";
    if (typeof v === "number" && Number.isInteger(v)) return String(v);
    this.bad(join(path, k), "must be a whole number");
    return "";
  }
  bool(o: Record<string, unknown>, k: string, path: string): boolean {
    const v = o[k];
    if (v === null || v === undefined) return false;
    if (typeof v === "boolean") return v;
    this.bad(join(path, k), "must be true or false");
    return false;
  }
  list(o: Record<string, unknown>, k: string, path: string): unknown[] {
    const v = o[k];
    if (v === null || v === undefined) return [];
    if (Array.isArray(v)) return v;
    this.bad(join(path, k), "must be a list [ … ]");
    return [];
  }
}

function readCondition(v: unknown, path: string, r: Reader): CondEdit {
  const o = r.obj(v, path, ["subject", "op", "field", "value", "number", "ignoreCase", "timeZone", "not"]);
  let subject = r.str(o, "subject", path) as ScenarioConditionSubject;
  if (!subjects[subject]) {
    r.bad(join(path, "subject"), `must be one of ${subjectList.join(", ")}`);
    subject = "MESSAGE_TEXT";
  }
  const ops = opsOf[subjects[subject].kind];
  let op = r.str(o, "op", path) as ScenarioConditionOp;
  if (!ops.includes(op)) {
    r.bad(join(path, "op"), `${subject} takes op ${ops.join(", ")}`);
    op = ops[0];
  }
  return {
    subject,
    op,
    field: r.str(o, "field", path),
    value: r.str(o, "value", path),
    number: r.int(o, "number", path) || "0",
    ignoreCase: r.bool(o, "ignoreCase", path),
    timeZone: r.str(o, "timeZone", path),
    not: r.bool(o, "not", path),
  };
}

/** 0 attempts means the default: shown as an empty field. */
const attempts = (s: string) => (s === "0" ? "" : s);

function readParams(key: ParamKey, raw: unknown, r: Reader): Params[ParamKey] {
  switch (key) {
    case "sendMessage": {
      const o = r.obj(raw, key, ["text"]);
      return { text: r.str(o, "text", key) };
    }
    case "if": {
      const o = r.obj(raw, key, ["branches"]);
      return {
        branches: r.list(o, "branches", key).map((v, j) => {
          const path = `if.branches[${j}]`;
          const b = r.obj(v, path, ["name", "conditions"]);
          return { name: r.str(b, "name", path), to: "", conditions: r.list(b, "conditions", path).map((c, k) => readCondition(c, `${path}.conditions[${k}]`, r)) };
        }),
      };
    }
    case "findAgent": {
      const o = r.obj(raw, key, ["skills", "timeoutSeconds"]);
      return {
        skills: r.list(o, "skills", key).map((v, j) => {
          const path = `findAgent.skills[${j}]`;
          const s = r.obj(v, path, ["skill", "minLevel"]);
          return { skill: r.str(s, "skill", path), minLevel: r.int(s, "minLevel", path) || "0" };
        }),
        timeoutSeconds: r.int(o, "timeoutSeconds", key),
      };
    }
    case "collect": {
      const o = r.obj(raw, key, ["question", "variable", "pattern", "retryText", "maxAttempts"]);
      return {
        question: r.str(o, "question", key),
        variable: r.str(o, "variable", key),
        pattern: r.str(o, "pattern", key),
        retryText: r.str(o, "retryText", key),
        maxAttempts: attempts(r.int(o, "maxAttempts", key)),
      };
    }
    case "survey": {
      const o = r.obj(raw, key, ["question", "commentQuestion", "retryText", "maxAttempts"]);
      return {
        question: r.str(o, "question", key),
        commentQuestion: r.str(o, "commentQuestion", key),
        retryText: r.str(o, "retryText", key),
        maxAttempts: attempts(r.int(o, "maxAttempts", key)),
      };
    }
    case "exit": {
      const o = r.obj(raw, key, ["closingText"]);
      return { closingText: r.str(o, "closingText", key) };
    }
  }
}

/**
 * The parameters of a block being edited as JSON, with an IF block's branches
 * keeping the exit targets of the branches of the same name.
 */
function readJson(b: EditBlock, key: ParamKey): { params: Params[ParamKey] | null; problems: { path: string; message: string }[] } {
  let raw: unknown;
  try {
    raw = b.json?.trim() ? JSON.parse(b.json) : {};
  } catch (err) {
    return { params: null, problems: [{ path: key, message: `not valid JSON: ${errorText(err)}` }] };
  }
  const r = new Reader(true);
  let params = readParams(key, raw, r);
  if (key === "if") {
    const before = b.params.if.branches;
    params = { branches: (params as Params["if"]).branches.map((br) => ({ ...br, to: before.find((x) => x.name === br.name)?.to ?? "" })) };
  }
  return r.problems.length ? { params: null, problems: r.problems } : { params, problems: [] };
}

function fromServer(s: ScenarioFieldsFragment): { start: string; blocks: EditBlock[] } {
  const keys = s.blocks.map(() => newKey());
  const keyOfId = new Map<string, string>();
  s.blocks.forEach((b, i) => keyOfId.has(b.id) || keyOfId.set(b.id, keys[i]));
  const target = (id: string) => keyOfId.get(id) ?? "";
  const blocks = s.blocks.map((b, i): EditBlock => {
    let params = blankParams();
    const key = blockTypes[b.type]?.key;
    if (key) params = withParams(params, key, readParams(key, (b as unknown as Record<string, unknown>)[key] ?? {}, new Reader(false)));
    const exits: Record<string, string> = {};
    for (const e of b.exits) if (!(e.name in exits)) exits[e.name] = target(e.to);
    if (b.type === "IF") params.if.branches = params.if.branches.map((br) => ({ ...br, to: exits[br.name] ?? "" }));
    return { key: keys[i], id: b.id, type: b.type, params, exits, json: null };
  });
  return { start: target(s.start), blocks };
}

// ---------------------------------------------------------------------------
// Writing the input the server takes.

type Found = { path: string; message: string }[];

/** A whole number typed in a field; empty: undefined (the server's default). */
function int(s: string, path: string, found: Found): number | undefined {
  const t = s.trim();
  if (t === "") return undefined;
  if (!/^-?\d+$/.test(t) || Math.abs(Number(t)) > 2147483647) {
    found.push({ path, message: "must be a whole number" });
    return undefined;
  }
  return Number(t);
}

const opt = (s: string) => (s.trim() ? s : undefined);

/** Only the fields the condition's subject uses, so what is hidden is not saved. */
function conditionOut(c: CondEdit, path: string, found: Found): ScenarioConditionInput {
  const out: ScenarioConditionInput = { subject: c.subject, op: c.op };
  const kind = subjects[c.subject].kind;
  if (kind === "text") {
    if (c.subject !== "MESSAGE_TEXT") out.field = c.field.trim();
    if (c.op !== "EMPTY") {
      out.value = c.value;
      if (c.ignoreCase) out.ignoreCase = true;
    }
  } else if (kind === "time") {
    out.value = c.value;
    if (c.timeZone.trim()) out.timeZone = c.timeZone.trim();
  } else {
    out.number = int(c.number, `${path}.number`, found) ?? 0;
  }
  if (c.not) out.not = true;
  return out;
}

function paramsOut(key: ParamKey, p: Params, found: Found): unknown {
  switch (key) {
    case "sendMessage":
      return { text: p.sendMessage.text };
    case "if":
      return {
        branches: p.if.branches.map((br, j) => ({
          name: br.name,
          conditions: br.conditions.map((c, k) => conditionOut(c, `if.branches[${j}].conditions[${k}]`, found)),
        })),
      };
    case "findAgent":
      return {
        skills: p.findAgent.skills.map((s, j) => ({ skill: s.skill.trim(), minLevel: int(s.minLevel, `findAgent.skills[${j}].minLevel`, found) })),
        timeoutSeconds: int(p.findAgent.timeoutSeconds, "findAgent.timeoutSeconds", found) ?? 0,
      };
    case "collect": {
      const c = p.collect;
      return {
        question: c.question,
        variable: c.variable.trim(),
        pattern: opt(c.pattern),
        retryText: opt(c.retryText),
        maxAttempts: int(c.maxAttempts, "collect.maxAttempts", found),
      };
    }
    case "survey": {
      const s = p.survey;
      return {
        question: s.question,
        commentQuestion: opt(s.commentQuestion),
        retryText: opt(s.retryText),
        maxAttempts: int(s.maxAttempts, "survey.maxAttempts", found),
      };
    }
    case "exit":
      return opt(p.exit.closingText) ? { closingText: p.exit.closingText } : undefined;
  }
}

function toInput(blocks: EditBlock[], startKey: string): { input: ScenarioInput; problems: Problem[] } {
  const problems: Problem[] = [];
  const idOf = (key: string) => blocks.find((b) => b.key === key)?.id ?? "";
  const out = blocks.map((b) => {
    const key = blockTypes[b.type]?.key ?? null;
    let eff = b;
    if (key && b.json !== null) {
      const r = readJson(b, key);
      problems.push(...r.problems.map((p) => ({ block: b.key, ...p, local: true })));
      if (r.params) eff = { ...b, params: withParams(b.params, key, r.params) };
    }
    const o: ScenarioBlockInput = { id: b.id, type: b.type, exits: exitsOf(eff).map((e) => ({ name: e.name, to: idOf(e.to) })) };
    if (key) {
      const found: Found = [];
      const v = paramsOut(key, eff.params, found);
      problems.push(...found.map((p) => ({ block: b.key, ...p, local: true })));
      if (v !== undefined) (o as Record<string, unknown>)[key] = v;
    }
    return o;
  });
  return { input: { start: idOf(startKey), blocks: out }, problems };
}

/**
 * Places the server's problems: "blocks[route].if.branches[0].name" on the
 * block route (as it was when saved) at if.branches[0].name; "blocks.blocks[3].id"
 * (a block without an ID) on the fourth block; the rest on the scenario.
 */
function place(fields: { field: string; message: string }[], sent: EditBlock[]): Problem[] {
  return fields.flatMap(({ field, message }): Problem[] => {
    const byIndex = /^blocks\.blocks\[(\d+)\]\.?(.*)$/.exec(field);
    if (byIndex && sent[Number(byIndex[1])]) return [{ block: sent[Number(byIndex[1])].key, path: byIndex[2], message }];
    let best: string | null = null;
    for (const b of sent) {
      const pre = `blocks[${b.id}]`;
      if (field.startsWith(pre) && (field.length === pre.length || field[pre.length] === ".") && (best === null || b.id.length > best.length)) best = b.id;
    }
    if (best !== null) {
      const path = field.slice(`blocks[${best}]`.length).replace(/^\./, "");
      return sent.filter((b) => b.id === best).map((b) => ({ block: b.key, path, message }));
    }
    return [{ block: null, path: field, message }];
  });
}

// ---------------------------------------------------------------------------
// Fields: a label, the input, a hint and the problems at its path, the input
// described by both.

interface At {
  id: string;
  hintId: string;
  invalid: boolean;
  props: { id: string; "aria-invalid"?: true; "aria-describedby"?: string };
  note: ReactNode;
}

function problemNote(id: string, list: Problem[], prefix?: (p: Problem) => string) {
  return list.length ? (
    <p id={id} role="alert" className="error problem">
      {list.map((p, i) => (
        <span key={i}>
          {prefix?.(p)}
          {p.message}
        </span>
      ))}
    </p>
  ) : null;
}

function Field({ f, label, hint, children }: { f: At; label: ReactNode; hint?: ReactNode; children: ReactNode }) {
  return (
    <div className={f.invalid ? "field invalid" : "field"}>
      <label htmlFor={f.id}>{label}</label>
      {children}
      {hint && (
        <small id={f.hintId} className="hint">
          {hint}
        </small>
      )}
      {f.note}
    </div>
  );
}

function VariablesHint({ variables }: { variables: string[] }) {
  return (
    <>
      Variables: {"{customerName}"}, {"{agentName}"}, {"{position}"} (in the queue), {"{wait}"} (estimated minutes)
      {variables.length > 0 && <>, and from COLLECT blocks {variables.map((v) => `{${v}}`).join(", ")}</>}.
    </>
  );
}

interface CardProps {
  block: EditBlock;
  blocks: EditBlock[];
  isStart: boolean;
  uid: string;
  problems: Problem[];
  variables: string[];
  update: (fn: (b: EditBlock) => EditBlock) => void;
  remove: () => void;
  focus: (id: string) => void;
  setLocalProblems: (list: { path: string; message: string }[]) => void;
}

function BlockCard({ block: b, blocks, isStart, uid, problems, variables, update, remove, focus, setLocalProblems }: CardProps) {
  const key = blockTypes[b.type]?.key ?? null;
  const base = `${uid}-${b.key}`;
  const idOf = (path: string) => `${base}-${path}`;
  // Each input claims the problems at its path; the rest are shown on the block.
  const claimed = new Set<string>();
  const at = (path: string, hint = false, prefix = false): At => {
    const list = problems.filter((p) => (prefix ? p.path === path || p.path.startsWith(path + ".") : p.path === path));
    list.forEach((p) => claimed.add(p.path));
    claimed.add(path);
    const id = idOf(path);
    const describedBy = [list.length ? `${id}-problem` : "", hint ? `${id}-hint` : ""].filter(Boolean).join(" ");
    return {
      id,
      hintId: `${id}-hint`,
      invalid: list.length > 0,
      props: { id, "aria-invalid": list.length ? true : undefined, "aria-describedby": describedBy || undefined },
      note: problemNote(`${id}-problem`, list, prefix ? (p) => (p.path === path ? "" : `${p.path}: `) : undefined),
    };
  };

  const text = (
    path: string,
    label: string,
    value: string,
    set: (v: string) => void,
    o: { hint?: ReactNode; multiline?: boolean; number?: { min?: number; max?: number }; list?: string; placeholder?: string } = {},
  ) => {
    const f = at(path, !!o.hint);
    return (
      <Field f={f} label={label} hint={o.hint}>
        {o.multiline ? (
          <textarea rows={3} {...f.props} value={value} onChange={(e) => set(e.target.value)} placeholder={o.placeholder} />
        ) : (
          <input
            type={o.number ? "number" : "text"}
            inputMode={o.number ? "numeric" : undefined}
            min={o.number?.min}
            max={o.number?.max}
            step={o.number ? 1 : undefined}
            list={o.list}
            placeholder={o.placeholder}
            {...f.props}
            value={value}
            onChange={(e) => set(e.target.value)}
          />
        )}
      </Field>
    );
  };

  const check = (path: string, label: string, value: boolean, set: (v: boolean) => void) => {
    const f = at(path);
    return (
      <div className="field check-field">
        <label className="check">
          <input type="checkbox" {...f.props} checked={value} onChange={(e) => set(e.target.checked)} /> {label}
        </label>
        {f.note}
      </div>
    );
  };

  const setP = <K extends ParamKey>(k: K, fn: (p: Params[K]) => Params[K]) => update((x) => ({ ...x, params: withParams(x.params, k, fn(x.params[k])) }));
  const setBranches = (fn: (brs: BranchEdit[]) => BranchEdit[]) => setP("if", (p) => ({ branches: fn(p.branches) }));
  const setBranch = (j: number, fn: (br: BranchEdit) => BranchEdit) => setBranches((brs) => brs.map((br, m) => (m === j ? fn(br) : br)));
  const setCond = (j: number, k: number, fn: (c: CondEdit) => CondEdit) =>
    setBranch(j, (br) => ({ ...br, conditions: br.conditions.map((c, m) => (m === k ? fn(c) : c)) }));

  const varsHint = <VariablesHint variables={variables} />;

  const condition = (c: CondEdit, j: number, k: number, branchName: string) => {
    const path = `if.branches[${j}].conditions[${k}]`;
    const kind = subjects[c.subject].kind;
    const ops = opsOf[kind];
    const subj = at(`${path}.subject`);
    const op = at(`${path}.op`);
    const set = (patch: Partial<CondEdit>) => setCond(j, k, (x) => ({ ...x, ...patch }));
    return (
      <fieldset key={k} className="condition">
        <legend>Condition {k + 1}</legend>
        <div className="condition-fields">
          <Field f={subj} label="Subject">
            <select
              {...subj.props}
              value={c.subject}
              onChange={(e) => {
                const subject = e.target.value as ScenarioConditionSubject;
                const next = subjects[subject].kind;
                setCond(j, k, (x) => ({
                  ...x,
                  subject,
                  op: opsOf[next].includes(x.op) ? x.op : opsOf[next][0],
                  // A text is no schedule, nor the other way round.
                  value: next === subjects[x.subject].kind ? x.value : next === "time" ? defaultHours : "",
                  number: x.number.trim() ? x.number : "0",
                }));
              }}
            >
              {subjectList.map((s) => (
                <option key={s} value={s}>
                  {subjects[s].label}
                </option>
              ))}
            </select>
          </Field>
          <Field f={op} label="Comparison">
            <select {...op.props} value={c.op} onChange={(e) => set({ op: e.target.value as ScenarioConditionOp })}>
              {ops.map((o) => (
                <option key={o} value={o}>
                  {opLabels[o]}
                </option>
              ))}
            </select>
          </Field>
          {c.subject === "CONTACT_FIELD" &&
            text(`${path}.field`, "Contact field", c.field, (v) => set({ field: v }), {
              list: `${uid}-contact-fields`,
              hint: "name, language or a custom field set with updateContact",
            })}
          {c.subject === "VARIABLE" &&
            text(`${path}.field`, "Variable", c.field, (v) => set({ field: v }), {
              list: `${uid}-variables`,
              hint: variables.length ? `Stored by COLLECT blocks: ${variables.join(", ")}` : "No COLLECT block stores a variable yet.",
            })}
          {kind === "text" &&
            c.op !== "EMPTY" &&
            text(`${path}.value`, c.op === "MATCHES" ? "Regular expression" : "Text", c.value, (v) => set({ value: v }))}
          {kind === "time" &&
            text(`${path}.value`, "Hours", c.value, (v) => set({ value: v }), {
              placeholder: defaultHours,
              hint: "For example Mon-Fri 09:00-18:00, or Mon-Fri 09:00-12:00, 13:00-18:00; Sat 10:00-14:00",
            })}
          {kind === "time" &&
            text(`${path}.timeZone`, "Time zone (optional)", c.timeZone, (v) => set({ timeZone: v }), {
              list: `${uid}-zones`,
              placeholder: "the service's time zone",
              hint: "An IANA name such as Europe/Berlin",
            })}
          {kind === "number" &&
            text(`${path}.number`, c.subject === "QUEUE_LENGTH" ? "Conversations waiting" : "Wait in seconds", c.number, (v) => set({ number: v }), {
              number: { min: 0 },
            })}
          {kind === "text" && c.op !== "EMPTY" && check(`${path}.ignoreCase`, "Ignore case", c.ignoreCase, (v) => set({ ignoreCase: v }))}
          {check(`${path}.not`, "Not (the opposite must hold)", c.not, (v) => set({ not: v }))}
        </div>
        <button
          type="button"
          className="small secondary"
          aria-label={`Remove condition ${k + 1} of branch ${branchName || j + 1}`}
          onClick={() => {
            setBranch(j, (br) => ({ ...br, conditions: br.conditions.filter((_, m) => m !== k) }));
            focus(idOf(`if.branches[${j}]-add-condition`));
          }}
        >
          Remove condition
        </button>
      </fieldset>
    );
  };

  const ifForm = () => {
    const branches = b.params.if.branches;
    const all = at("if.branches", true);
    const moveButton = (j: number, d: -1 | 1) => {
      const to = j + d;
      return (
        <button
          type="button"
          className="small secondary"
          id={idOf(`if.branches[${j}]-${d < 0 ? "up" : "down"}`)}
          disabled={to < 0 || to >= branches.length}
          aria-label={`Move ${d < 0 ? "up" : "down"}: branch ${branches[j].name || j + 1}`}
          onClick={() => {
            setBranches((brs) => {
              const a = [...brs];
              [a[j], a[to]] = [a[to], a[j]];
              return a;
            });
            // Keep the focus on the branch moved, on a button still enabled.
            const edge = d < 0 ? to === 0 : to === branches.length - 1;
            focus(idOf(`if.branches[${to}]-${(d < 0) !== edge ? "up" : "down"}`));
          }}
        >
          Move {d < 0 ? "up" : "down"}
        </button>
      );
    };
    return (
      <fieldset className="branches" aria-describedby={all.props["aria-describedby"]}>
        <legend>Branches</legend>
        <small id={all.hintId} className="hint muted">
          Tried in order: the first whose conditions all hold takes the exit of its name; when none holds, the else exit.
        </small>
        {all.note}
        {branches.map((br, j) => {
          const conds = at(`if.branches[${j}].conditions`);
          return (
            <fieldset key={j} className="branch">
              <legend>
                Branch {j + 1}
                {br.name && `: ${br.name}`}
              </legend>
              {text(`if.branches[${j}].name`, "Branch name (its exit)", br.name, (v) => setBranch(j, (x) => ({ ...x, name: v })))}
              <fieldset className="conditions" aria-describedby={conds.props["aria-describedby"]}>
                <legend>Conditions (all must hold)</legend>
                {conds.note}
                {br.conditions.map((c, k) => condition(c, j, k, br.name))}
                <button
                  type="button"
                  className="small secondary"
                  id={idOf(`if.branches[${j}]-add-condition`)}
                  aria-label={`Add a condition to branch ${br.name || j + 1}`}
                  onClick={() => setBranch(j, (x) => ({ ...x, conditions: [...x.conditions, blankCondition()] }))}
                >
                  Add a condition
                </button>
              </fieldset>
              <div className="row-buttons">
                {moveButton(j, -1)}
                {moveButton(j, 1)}
                <button
                  type="button"
                  className="small secondary"
                  aria-label={`Remove branch ${br.name || j + 1}`}
                  onClick={() => {
                    setBranches((brs) => brs.filter((_, m) => m !== j));
                    focus(idOf("if-add-branch"));
                  }}
                >
                  Remove branch
                </button>
              </div>
            </fieldset>
          );
        })}
        <button
          type="button"
          className="small secondary"
          id={idOf("if-add-branch")}
          onClick={() =>
            setBranches((brs) => {
              let n = brs.length + 1;
              while (brs.some((x) => x.name === `branch${n}`)) n++;
              return [...brs, { name: `branch${n}`, to: "", conditions: [blankCondition()] }];
            })
          }
        >
          Add a branch
        </button>
      </fieldset>
    );
  };

  const findAgentForm = () => {
    const p = b.params.findAgent;
    const setSkill = (j: number, patch: Partial<{ skill: string; minLevel: string }>) =>
      setP("findAgent", (x) => ({ ...x, skills: x.skills.map((s, m) => (m === j ? { ...s, ...patch } : s)) }));
    return (
      <>
        <fieldset className="skills" aria-describedby={idOf("findAgent.skills-hint")}>
          <legend>Required skills</legend>
          <small id={idOf("findAgent.skills-hint")} className="hint muted">
            {p.skills.length ? "Instead of the service's own skills; level 0: any." : "None: the service's own skills."}
          </small>
          {p.skills.map((s, j) => (
            <div key={j} className="skill-row">
              {text(`findAgent.skills[${j}].skill`, `Skill ${j + 1}`, s.skill, (v) => setSkill(j, { skill: v }))}
              {text(`findAgent.skills[${j}].minLevel`, "Minimum level", s.minLevel, (v) => setSkill(j, { minLevel: v }), { number: { min: 0 } })}
              <button
                type="button"
                className="small secondary"
                aria-label={`Remove skill ${s.skill || j + 1}`}
                onClick={() => {
                  setP("findAgent", (x) => ({ ...x, skills: x.skills.filter((_, m) => m !== j) }));
                  focus(idOf("findAgent-add-skill"));
                }}
              >
                Remove
              </button>
            </div>
          ))}
          <button
            type="button"
            className="small secondary"
            id={idOf("findAgent-add-skill")}
            onClick={() => setP("findAgent", (x) => ({ ...x, skills: [...x.skills, { skill: "", minLevel: "0" }] }))}
          >
            Add a skill
          </button>
        </fieldset>
        {text("findAgent.timeoutSeconds", "Timeout (seconds)", p.timeoutSeconds, (v) => setP("findAgent", (x) => ({ ...x, timeoutSeconds: v })), {
          number: { min: 1, max: 86400 },
          hint: "How long to wait for an agent before the timeout exit (at most 86400, a day).",
        })}
      </>
    );
  };

  const collectForm = () => {
    const p = b.params.collect;
    const set = (patch: Partial<Params["collect"]>) => setP("collect", (x) => ({ ...x, ...patch }));
    return (
      <>
        {text("collect.question", "Question", p.question, (v) => set({ question: v }), { multiline: true, hint: varsHint })}
        {text("collect.variable", "Variable", p.variable, (v) => set({ variable: v }), {
          hint: `Keeps the answer, for texts ({${p.variable.trim() || "variable"}}) and IF conditions: a letter, then letters, digits or _.`,
        })}
        {text("collect.pattern", "Pattern (optional)", p.pattern, (v) => set({ pattern: v }), {
          hint: "A regular expression the whole answer must match, such as \\d{6}; empty: any answer.",
        })}
        {text("collect.retryText", "Retry text (optional)", p.retryText, (v) => set({ retryText: v }), {
          multiline: true,
          hint: "Sent after an answer that does not match.",
        })}
        {text("collect.maxAttempts", "Attempts (optional)", p.maxAttempts, (v) => set({ maxAttempts: v }), {
          number: { min: 0 },
          hint: "Answers allowed before the failed exit; empty: 3.",
        })}
      </>
    );
  };

  const surveyForm = () => {
    const p = b.params.survey;
    const set = (patch: Partial<Params["survey"]>) => setP("survey", (x) => ({ ...x, ...patch }));
    return (
      <>
        {text("survey.question", "Question", p.question, (v) => set({ question: v }), { multiline: true, hint: "Asks for a rating from 1 to 5." })}
        {text("survey.commentQuestion", "Comment question (optional)", p.commentQuestion, (v) => set({ commentQuestion: v }), {
          multiline: true,
          hint: "Asked after the rating; the answer is kept as the comment.",
        })}
        {text("survey.retryText", "Retry text (optional)", p.retryText, (v) => set({ retryText: v }), {
          multiline: true,
          hint: "Sent after an answer that is no rating.",
        })}
        {text("survey.maxAttempts", "Attempts (optional)", p.maxAttempts, (v) => set({ maxAttempts: v }), {
          number: { min: 0 },
          hint: "Answers allowed; empty: 3.",
        })}
      </>
    );
  };

  const form = (): ReactNode => {
    if (key && b.json !== null) {
      const f = at(key, true, true);
      return (
        <Field f={f} label={`Parameters as JSON (${key})`} hint="The same shape as in the README's scenario JSON.">
          <textarea
            className="json"
            rows={Math.min(16, b.json.split("\n").length + 1)}
            spellCheck={false}
            {...f.props}
            value={b.json}
            onChange={(e) => {
              const json = e.target.value;
              // While the JSON reads well, the form (and an IF block's exits) follows it.
              const r = readJson({ ...b, json }, key);
              update((x) => ({ ...x, json, params: r.params ? withParams(x.params, key, r.params) : x.params }));
            }}
          />
        </Field>
      );
    }
    switch (b.type) {
      case "SEND_MESSAGE":
        return text("sendMessage.text", "Message", b.params.sendMessage.text, (v) => setP("sendMessage", () => ({ text: v })), {
          multiline: true,
          hint: varsHint,
        });
      case "IF":
        return ifForm();
      case "FIND_AGENT":
        return findAgentForm();
      case "COLLECT":
        return collectForm();
      case "SURVEY":
        return surveyForm();
      case "EXIT":
        return text("exit.closingText", "Closing text (optional)", b.params.exit.closingText, (v) => setP("exit", () => ({ closingText: v })), {
          multiline: true,
          hint: <>Sent when the run ends here, when set. {varsHint}</>,
        });
      default:
        return <p className="muted">No parameters: connects the customer with the agent a Find agent block found.</p>;
    }
  };

  const toggleJson = () => {
    if (!key) return;
    if (b.json === null) {
      update((x) => ({ ...x, json: JSON.stringify(paramsOut(key, x.params, []) ?? {}, null, 2) }));
      return;
    }
    const r = readJson(b, key);
    setLocalProblems(r.problems);
    if (r.params) update((x) => ({ ...x, json: null, params: withParams(x.params, key, r.params!) }));
  };

  const idField = at("id");
  const typeField = at("type");
  const actions = (
    <div className="block-actions">
      {key && (
        <button type="button" className="small secondary" aria-pressed={b.json !== null} onClick={toggleJson} aria-label={`Edit as JSON: block ${b.id}`}>
          Edit as JSON
        </button>
      )}
      <button type="button" className="small secondary" onClick={remove} aria-label={`Remove block ${b.id}`}>
        Remove
      </button>
    </div>
  );
  const head = (
    <div className="block-head">
      <Field f={idField} label="ID">
        <input {...idField.props} value={b.id} onChange={(e) => update((x) => ({ ...x, id: e.target.value }))} />
      </Field>
      <Field f={typeField} label="Type">
        <select
          {...typeField.props}
          value={b.type}
          onChange={(e) => {
            const type = e.target.value as ScenarioBlockType;
            const k = blockTypes[type].key;
            update((x) => ({ ...x, type, json: x.json !== null && k ? JSON.stringify(paramsOut(k, x.params, []) ?? {}, null, 2) : null }));
          }}
        >
          {typeList.map((t) => (
            <option key={t} value={t}>
              {blockTypes[t].label}
            </option>
          ))}
        </select>
      </Field>
    </div>
  );
  const body = form();

  const exits = exitsOf(b);
  const exitRows = exits.map((x, j) => {
    const f = at(`exits.${x.name}`, !!exitHints[x.name]);
    const nameProblems = at(`exits[${j}].name`);
    const describedBy = [f.props["aria-describedby"], nameProblems.invalid ? `${nameProblems.id}-problem` : ""].filter(Boolean).join(" ");
    return (
      <div key={j} className={f.invalid || nameProblems.invalid ? "field exit-field invalid" : "field exit-field"}>
        <div className="exit">
          <label htmlFor={f.id}>
            {x.name || <em>(unnamed branch)</em>}
            <span className="visually-hidden"> leads to</span>
          </label>
          <span aria-hidden="true">→</span>
          <select
            {...f.props}
            aria-invalid={f.invalid || nameProblems.invalid || undefined}
            aria-describedby={describedBy || undefined}
            value={x.to}
            onChange={(e) => {
              const to = e.target.value;
              if (x.branch !== undefined) setBranch(x.branch, (br) => ({ ...br, to }));
              else update((y) => ({ ...y, exits: { ...y.exits, [x.name]: to } }));
            }}
          >
            <option value="">—</option>
            {blocks.map((o) => (
              <option key={o.key} value={o.key}>
                {o.id || "(block without ID)"}
              </option>
            ))}
          </select>
        </div>
        {exitHints[x.name] && (
          <small id={f.hintId} className="hint">
            {exitHints[x.name]}
          </small>
        )}
        {f.note}
        {nameProblems.note}
      </div>
    );
  });

  // What no input claimed: problems of the whole block, its exits together, or fields not shown.
  const rest = problems.filter((p) => !claimed.has(p.path));
  return (
    <li className={`block type-${b.type.toLowerCase().replace("_", "-")}${problems.length ? " invalid" : ""}`} aria-label={`Block ${b.id}`} tabIndex={-1} id={base}>
      {isStart && <span className="start-badge">Start</span>}
      {head}
      {actions}
      {body}
      <fieldset className="exits">
        <legend>Exits</legend>
        {exits.length ? exitRows : <p className="muted">An Exit block ends the run: it has no exits.</p>}
      </fieldset>
      {rest.length > 0 && (
        <div className="block-problems">{problemNote(`${base}-problems`, rest, (p) => (p.path ? `${p.path === "exits" ? "Exits" : p.path}: ` : ""))}</div>
      )}
    </li>
  );
}

// ---------------------------------------------------------------------------

let zoneNames: string[] | null = null;
function timeZones(): string[] {
  if (!zoneNames) {
    try {
      zoneNames = Intl.supportedValuesOf("timeZone");
    } catch {
      zoneNames = [];
    }
  }
  return zoneNames;
}

export function ScenarioEditor({ serviceId, onClose }: { serviceId: string; onClose: () => void }) {
  const uid = useId();
  const sectionRef = useRef<HTMLElement>(null);
  const [start, setStart] = useState("");
  const [blocks, setBlocks] = useState<EditBlock[] | null>(null);
  const [template, setTemplate] = useState<ScenarioFieldsFragment | null>(null);
  const [name, setName] = useState("");
  const [problems, setProblems] = useState<Problem[]>([]);
  const [error, setError] = useState("");
  const [saved, setSaved] = useState("");
  // An element to focus after the next render (the button next to a row removed or moved).
  const focusAfter = useRef<string | null>(null);

  useEffect(() => {
    request(ServiceScenarioDoc, { id: serviceId }).then(
      (r) => {
        const svc = r.node as { name?: string; scenario?: ScenarioFieldsFragment | null } | null;
        setName(svc?.name ?? "");
        setTemplate(r.defaultScenario);
        const e = svc?.scenario ? fromServer(svc.scenario) : { start: "", blocks: [] };
        setStart(e.start);
        setBlocks(e.blocks);
      },
      (err) => setError(errorText(err)),
    );
  }, [serviceId]);

  useEffect(() => {
    if (focusAfter.current) {
      document.getElementById(focusAfter.current)?.focus();
      focusAfter.current = null;
    }
  });

  if (!blocks) return error ? <ErrorNote error={error} /> : <p className="muted">Loading the scenario…</p>;

  const focus = (id: string) => (focusAfter.current = id);
  const updateBlock = (key: string) => (fn: (b: EditBlock) => EditBlock) => setBlocks((bs) => bs && bs.map((b) => (b.key === key ? fn(b) : b)));
  const removeBlock = (key: string) => {
    // Exits that led to it lead nowhere now (the server asks where they should).
    const unlink = (to: string) => (to === key ? "" : to);
    setBlocks((bs) =>
      bs &&
      bs
        .filter((b) => b.key !== key)
        .map((b) => ({
          ...b,
          exits: Object.fromEntries(Object.entries(b.exits).map(([n, to]) => [n, unlink(to)])),
          params: { ...b.params, if: { branches: b.params.if.branches.map((br) => ({ ...br, to: unlink(br.to) })) } },
        })),
    );
    if (start === key) setStart("");
    setProblems((ps) => ps.filter((p) => p.block !== key));
    focus(`${uid}-add-block`);
  };
  const setLocalProblems = (key: string) => (list: { path: string; message: string }[]) =>
    setProblems((ps) => [...ps.filter((p) => !(p.block === key && p.local)), ...list.map((p) => ({ block: key, ...p, local: true }))]);

  const variables = collectedVariables(blocks);
  const anyTime = blocks.some((b) => b.type === "IF" && b.params.if.branches.some((br) => br.conditions.some((c) => c.subject === "TIME")));
  const startId = `${uid}-start`;
  const startProblems = problems.filter((p) => p.block === null && p.path === "start");
  const general = problems.filter((p) => p.block === null && p.path !== "start");

  const save = async (off = false) => {
    setError("");
    setSaved("");
    setProblems([]);
    let input: ScenarioInput | null = null;
    if (!off) {
      const out = toInput(blocks, start);
      if (out.problems.length) {
        setProblems(out.problems);
        return;
      }
      input = out.input;
    }
    const sent = blocks;
    try {
      await request(SaveDoc, { id: serviceId, input });
      setSaved(off ? "Scenario removed: conversations are offered at once." : "Scenario saved.");
    } catch (err) {
      if (err instanceof ApiError && err.fields.length) setProblems(place(err.fields, sent));
      else setError(errorText(err));
    }
  };

  const goToFirstProblem = () => {
    const li = sectionRef.current?.querySelector<HTMLElement>("li.block.invalid");
    const target = startProblems.length
      ? document.getElementById(startId)
      : general.length
        ? document.getElementById(`${uid}-general`)
        : (li?.querySelector<HTMLElement>('[aria-invalid="true"]') ?? li);
    target?.focus();
  };

  const useTemplate = () => {
    if (!template) return;
    const e = fromServer(template);
    setStart(e.start);
    setBlocks(e.blocks);
    setProblems([]);
  };

  const addBlock = () => {
    let n = blocks.length + 1;
    while (blocks.some((b) => b.id === `block${n}`)) n++;
    const b: EditBlock = { key: newKey(), id: `block${n}`, type: "SEND_MESSAGE", params: blankParams(), exits: {}, json: null };
    setBlocks([...blocks, b]);
    focus(`${uid}-${b.key}-id`);
  };

  return (
    <section className="scenario" aria-labelledby={`${uid}-title`} ref={sectionRef}>
      <h3 id={`${uid}-title`}>Scenario of {name}</h3>
      <datalist id={`${uid}-variables`}>
        {variables.map((v) => (
          <option key={v} value={v} />
        ))}
      </datalist>
      <datalist id={`${uid}-contact-fields`}>
        <option value="name" />
        <option value="language" />
      </datalist>
      {anyTime && (
        <datalist id={`${uid}-zones`}>
          {timeZones().map((z) => (
            <option key={z} value={z} />
          ))}
        </datalist>
      )}
      <div className="buttons">
        <div className={startProblems.length ? "field invalid" : "field"}>
          <label htmlFor={startId}>Start block</label>
          <select
            id={startId}
            value={start}
            onChange={(e) => setStart(e.target.value)}
            aria-invalid={startProblems.length ? true : undefined}
            aria-describedby={startProblems.length ? `${startId}-problem` : undefined}
          >
            <option value="">—</option>
            {blocks.map((b) => (
              <option key={b.key} value={b.key}>
                {b.id || "(block without ID)"}
              </option>
            ))}
          </select>
          {problemNote(`${startId}-problem`, startProblems)}
        </div>
        <button type="button" className="secondary" onClick={useTemplate}>
          Start from the template
        </button>
        <button type="button" className="secondary" onClick={addBlock} id={`${uid}-add-block`}>
          Add a block
        </button>
      </div>
      {general.length > 0 && (
        <div id={`${uid}-general`} tabIndex={-1}>
          {general.map((p, i) => (
            <p key={i} role="alert" className="error">
              {p.path === "blocks" ? p.message : `${p.path}: ${p.message}`}
            </p>
          ))}
        </div>
      )}
      <ol className="blocks">
        {blocks.map((b) => (
          <BlockCard
            key={b.key}
            block={b}
            blocks={blocks}
            isStart={b.key === start}
            uid={uid}
            problems={problems.filter((p) => p.block === b.key)}
            variables={variables}
            update={updateBlock(b.key)}
            remove={() => removeBlock(b.key)}
            focus={focus}
            setLocalProblems={setLocalProblems(b.key)}
          />
        ))}
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
      {problems.length > 0 && (
        <div className="save-summary">
          <p className="error">
            Not saved: {problems.length === 1 ? "1 problem" : `${problems.length} problems`}, shown at the blocks and fields they concern.
          </p>
          <button type="button" className="small secondary" onClick={goToFirstProblem}>
            Go to the first problem
          </button>
        </div>
      )}
      {saved && <p role="status">{saved}</p>}
      <ErrorNote error={error} />
    </section>
  );
}
