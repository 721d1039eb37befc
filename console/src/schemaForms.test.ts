/// <reference types="vite/client" />
/**
 * Protects schemaForms.ts, from which the admin page builds its "new account"
 * forms: from the schema's introspection it must yield one messenger per
 * member of IntegrationSettingsInput, each with its fields in order, their
 * descriptions, which are required ("Required." descriptions), which are
 * secrets (SecretValue on the account's settings type, per messenger) and the
 * choices of an enum field; it must ask the server only once; and the
 * selection it builds for reading accounts back must be a valid query, as
 * must the admin page's whole account query (accounts.ts), exactly as sent.
 *
 * No server: requestText (./api) is answered by graphql-js executing the
 * console's own introspection queries against a small schema below, and once
 * against the server's real schema files (the ones codegen reads).
 */
import { beforeEach, describe, expect, it, vi } from "vitest";
import { buildSchema, graphql as execute, parse, validate, type GraphQLSchema } from "graphql";
import serverSchema from "../../schema.graphql?raw";

const { requestText } = vi.hoisted(() => ({ requestText: vi.fn() }));
vi.mock("./api", () => ({ requestText }));

// The shape of schema.graphql's messenger settings.
const fixtureSDL = `
  type Query { account: Account }
  type Account { settings: IntegrationSettings! }

  type SecretValue { isSet: Boolean! last4: String }

  union IntegrationSettings = TelegramSettings | WechatSettings

  input IntegrationSettingsInput @oneOf {
    telegram: TelegramSettingsInput
    wechat: WechatSettingsInput
  }

  input TelegramSettingsInput {
    "Required. Without @."
    botUsername: String
    "Required. As BotFather gives it: <bot id>:<secret>."
    botToken: String
    greeting: String
  }

  type TelegramSettings {
    botUsername: String!
    botToken: SecretValue!
    greeting: String
  }

  enum WechatType { CHINA INTERNATIONAL }

  input WechatSettingsInput {
    "Required."
    appId: String
    "Required."
    wechatType: WechatType!
    "Optional: 43 characters, for encrypted mode."
    encodingAesKey: String
  }

  type WechatSettings {
    appId: String!
    wechatType: WechatType!
    encodingAesKey: SecretValue!
  }
`;
const fixture = buildSchema(fixtureSDL);

// A field that is a secret on one messenger only. (A query selecting both
// would be refused as overlapping fields of different types, so this one is
// only for reading the forms, not for settingsSelection.)
const sharedName = buildSchema(`${fixtureSDL}
  extend input WechatSettingsInput {
    "Required. Not a secret here, though Telegram's botToken is one."
    botToken: String
  }
  extend type WechatSettings { botToken: String! }
`);

/** Answers requestText the way the server would, from schema. */
function serve(schema: GraphQLSchema) {
  requestText.mockImplementation(async (query: string) => {
    const r = await execute({ schema, source: query });
    if (r.errors?.length) throw new Error(r.errors.map((e) => e.message).join("; "));
    return r.data;
  });
}

/** A fresh copy of the module: messengers() keeps its answer for the page's life. */
async function load() {
  vi.resetModules();
  return await import("./schemaForms");
}

beforeEach(() => {
  requestText.mockReset();
});

describe("messengers", () => {
  it("yields each messenger with its fields: description, required, secret and options", async () => {
    serve(sharedName);
    const { messengers } = await load();
    expect(await messengers()).toEqual([
      {
        key: "telegram",
        outputType: "TelegramSettings",
        fields: [
          { name: "botUsername", description: "Required. Without @.", required: true, secret: false, options: [] },
          { name: "botToken", description: "Required. As BotFather gives it: <bot id>:<secret>.", required: true, secret: true, options: [] },
          { name: "greeting", description: "", required: false, secret: false, options: [] },
        ],
      },
      {
        key: "wechat",
        outputType: "WechatSettings",
        fields: [
          { name: "appId", description: "Required.", required: true, secret: false, options: [] },
          { name: "wechatType", description: "Required.", required: true, secret: false, options: ["CHINA", "INTERNATIONAL"] },
          { name: "encodingAesKey", description: "Optional: 43 characters, for encrypted mode.", required: false, secret: true, options: [] },
          { name: "botToken", description: "Required. Not a secret here, though Telegram's botToken is one.", required: true, secret: false, options: [] },
        ],
      },
    ]);
  });

  it("asks the server once however often it is called", async () => {
    serve(fixture);
    const { messengers } = await load();
    const first = await messengers();
    const calls = requestText.mock.calls.length;
    expect(await messengers()).toBe(first);
    expect(requestText).toHaveBeenCalledTimes(calls);
  });

  it("passes on a failed introspection as a rejection", async () => {
    requestText.mockRejectedValue(new Error("Not signed in."));
    const { messengers } = await load();
    await expect(messengers()).rejects.toThrow("Not signed in.");
  });
});

describe("settingsSelection", () => {
  it("selects every field, secrets by isSet and last4, as a query the schema accepts", async () => {
    serve(fixture);
    const { messengers, settingsSelection } = await load();
    const selection = settingsSelection(await messengers());
    expect(selection).toContain("... on TelegramSettings { botUsername botToken { isSet last4 } greeting }");
    expect(selection).toContain("... on WechatSettings { appId wechatType encodingAesKey { isSet last4 } }");
    const doc = parse(`query { account { settings { __typename ${selection} } } }`);
    expect(validate(fixture, doc)).toEqual([]);
  });
});

describe("with the server's schema", () => {
  const files = import.meta.glob<string>("../../graph/*.graphql", { query: "?raw", import: "default", eager: true });
  const real = buildSchema([serverSchema, ...Object.values(files)].join("\n"));

  it("has a form for every messenger, and the admin page's account query stays valid", async () => {
    serve(real);
    const { messengers, settingsSelection } = await load();
    const list = await messengers();

    const input = real.getType("IntegrationSettingsInput");
    expect(input && "getFields" in input).toBe(true);
    const members = Object.keys((input as { getFields: () => Record<string, unknown> }).getFields());
    expect(list.map((m) => m.key)).toEqual(members);
    for (const m of list) {
      expect(m.fields.length, m.key).toBeGreaterThan(0);
      expect(m.fields.some((f) => f.required), `${m.key} has a required field`).toBe(true);
    }
    const telegram = list.find((m) => m.key === "telegram");
    expect(telegram?.fields.find((f) => f.name === "botToken")).toMatchObject({ required: true, secret: true });

    const doc = parse(`query { integrationAccounts(first: 100) { edges { node { settings { __typename ${settingsSelection(list)} } } } } }`);
    expect(validate(real, doc)).toEqual([]);
  });

  it("accepts the exact account query the admin page sends, and refuses it against a schema with a field renamed", async () => {
    serve(real);
    const { messengers } = await load();
    const { adminAccountsQuery } = await import("./accounts");
    const list = await messengers();
    const text = adminAccountsQuery(list);
    expect(text).toContain("...AdminAccountFields");
    expect(text).toContain("lastSentAt");
    expect(validate(real, parse(text))).toEqual([]);

    // What make console-check catches: a rename in the schema breaks the query.
    const renamed = buildSchema(
      [serverSchema, ...Object.values(files)].join("\n").replace(/^(\s*)lastSentAt:/m, "$1lastSentTime:"),
    );
    expect(validate(renamed, parse(text)).map((e) => e.message).join("; ")).toMatch(/lastSentAt/);
  });
});

describe("labelOf", () => {
  it("turns field names into labels, keeping acronyms upper case", async () => {
    const { labelOf } = await load();
    expect(labelOf("webhookUrl")).toBe("Webhook URL");
    expect(labelOf("encodingAesKey")).toBe("Encoding AES key");
    expect(labelOf("accountSid")).toBe("Account SID");
    expect(labelOf("apiKey")).toBe("API key");
    expect(labelOf("botToken")).toBe("Bot token");
    expect(labelOf("appId")).toBe("App ID");
  });
});
