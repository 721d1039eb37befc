// Forms generated from the schema: the messengers are the members of
// IntegrationSettingsInput, their fields and descriptions come from
// introspection, and a field is a secret when the account's settings type
// shows it as a SecretValue. A new messenger in the schema is a new form here
// without a change to the console.
import { requestText } from "./api";

export interface SettingsField {
  name: string;
  description: string;
  required: boolean;
  secret: boolean;
  /** Enum values, for a choice; empty for text. */
  options: string[];
}

export interface Messenger {
  /** The member of IntegrationSettingsInput ("custom", "telegram"). */
  key: string;
  /** The settings type of the account ("CustomSettings"). */
  outputType: string;
  fields: SettingsField[];
}

interface TypeRef {
  kind: string;
  name: string | null;
  ofType: TypeRef | null;
}

interface IntroField {
  name: string;
  description: string | null;
  type: TypeRef;
}

interface IntroType {
  name: string;
  kind: string;
  inputFields: IntroField[] | null;
  fields: IntroField[] | null;
  enumValues: { name: string }[] | null;
  possibleTypes: { name: string }[] | null;
}

const typeRef = "kind name ofType { kind name ofType { kind name } }";

function named(t: TypeRef): TypeRef {
  return t.ofType ? named(t.ofType) : t;
}

let cache: Promise<Messenger[]> | null = null;

/** The messengers and their settings fields, read once from the schema. */
export function messengers(): Promise<Messenger[]> {
  cache ??= load();
  return cache;
}

async function load(): Promise<Messenger[]> {
  const q = `query {
    settingsInput: __type(name: "IntegrationSettingsInput") { inputFields { name type { ${typeRef} } } }
    settings: __type(name: "IntegrationSettings") { possibleTypes { name } }
  }`;
  const top = await requestText<{ settingsInput: IntroType; settings: IntroType }>(q);
  const members = top.settingsInput.inputFields ?? [];
  const outputs = (top.settings.possibleTypes ?? []).map((t) => t.name);
  const names = [...members.map((m) => named(m.type).name!), ...outputs];
  const parts = names.map(
    (n, i) => `t${i}: __type(name: "${n}") { name kind
      inputFields { name description type { ${typeRef} } }
      fields { name description type { ${typeRef} } }
      enumValues { name } }`,
  );
  const types = await requestText<Record<string, IntroType>>(`query { ${parts.join("\n")} }`);
  const byName = new Map(Object.values(types).map((t) => [t.name, t]));
  const enumValues = async (name: string): Promise<string[]> => {
    const t = await requestText<{ t: IntroType | null }>(`query { t: __type(name: "${name}") { enumValues { name } } }`);
    return (t.t?.enumValues ?? []).map((v) => v.name);
  };
  const out: Messenger[] = [];
  for (const m of members) {
    const inputName = named(m.type).name!;
    const input = byName.get(inputName);
    const outputType = inputName.replace(/Input$/, "");
    const output = byName.get(outputType);
    if (!input) continue;
    const secretNames = new Set((output?.fields ?? []).filter((f) => named(f.type).name === "SecretValue").map((f) => f.name));
    const fields: SettingsField[] = [];
    for (const f of input.inputFields ?? []) {
      const t = named(f.type);
      fields.push({
        name: f.name,
        description: f.description ?? "",
        required: (f.description ?? "").startsWith("Required"),
        secret: secretNames.has(f.name),
        options: t.kind === "ENUM" ? await enumValues(t.name!) : [],
      });
    }
    out.push({ key: m.name, outputType, fields });
  }
  return out;
}

/** A selection of every settings type's fields, secrets as isSet and last4. */
export function settingsSelection(list: Messenger[]): string {
  return list
    .map(
      (m) =>
        `... on ${m.outputType} { ${m.fields
          .map((f) => (f.secret ? `${f.name} { isSet last4 }` : f.name))
          .join(" ")} }`,
    )
    .join("\n");
}

/** A label from a field name: "webhookUrl" as "Webhook URL". */
export function labelOf(name: string): string {
  const words = name.replace(/([a-z0-9])([A-Z])/g, "$1 $2").split(" ");
  return words
    .map((w, i) => {
      const up = w.toUpperCase();
      if (["URL", "ID", "API", "AES", "SID", "JWT"].includes(up)) return up;
      return i === 0 ? w[0].toUpperCase() + w.slice(1) : w.toLowerCase();
    })
    .join(" ");
}
