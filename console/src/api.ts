// The console's only way to the server: the public GraphQL API over HTTP
// (queries, mutations, multipart uploads) and graphql-ws for subscriptions,
// with the signed-in user's token. Nothing here is private to the console.
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { print } from "graphql";
import { createClient, type Client } from "graphql-ws";

const TOKEN_KEY = "switchboard.token";
const SESSION_KEY = "switchboard.session";

/** The session or API token, kept across reloads. */
export function getToken(): string | null {
  return localStorage.getItem(TOKEN_KEY);
}

/**
 * Keeps token for the next requests (null forgets it). session says it came
 * from login: signing out ends a session on the server, but only forgets an
 * API token, which other clients may hold too.
 */
export function setToken(token: string | null, session = false): void {
  if (token) localStorage.setItem(TOKEN_KEY, token);
  else localStorage.removeItem(TOKEN_KEY);
  if (token && session) localStorage.setItem(SESSION_KEY, "1");
  else localStorage.removeItem(SESSION_KEY);
  resetSubscriptions();
}

/** Whether the kept token is a login session (see setToken). */
export function isSession(): boolean {
  return localStorage.getItem(SESSION_KEY) === "1";
}

/** An error the API returned, with its extensions.code and offending field. */
export class ApiError extends Error {
  code: string;
  field?: string;
  /** Every problem of a refused input, each at its field (blocks[find].exits.timeout). */
  fields: { field: string; message: string }[];
  constructor(message: string, code: string, field?: string, fields: { field: string; message: string }[] = []) {
    super(message);
    this.code = code;
    this.field = field;
    this.fields = fields;
  }
}

interface GraphQLErrorShape {
  message: string;
  extensions?: { code?: string; field?: string; fields?: { field: string; message: string }[] };
}

function endpoint(): string {
  return new URL("/query", window.location.origin).toString();
}

function raise(errors: GraphQLErrorShape[]): never {
  const e = errors[0];
  if (e.extensions?.code === "UNAUTHENTICATED") setToken(null);
  throw new ApiError(e.message, e.extensions?.code ?? "INTERNAL", e.extensions?.field, e.extensions?.fields ?? []);
}

async function post(body: BodyInit, headers: Record<string, string>): Promise<unknown> {
  const token = getToken();
  if (token) headers["Authorization"] = `Bearer ${token}`;
  const res = await fetch(endpoint(), { method: "POST", body, headers });
  const json = (await res.json()) as { data?: unknown; errors?: GraphQLErrorShape[] };
  if (json.errors?.length) raise(json.errors);
  return json.data;
}

/** Runs a typed operation. */
export async function request<R, V>(doc: TypedDocumentNode<R, V>, variables?: V): Promise<R> {
  return (await post(JSON.stringify({ query: print(doc), variables }), { "Content-Type": "application/json" })) as R;
}

/** Runs an operation built at run time (forms generated from the schema). */
export async function requestText<R>(query: string, variables?: Record<string, unknown>): Promise<R> {
  return (await post(JSON.stringify({ query, variables }), { "Content-Type": "application/json" })) as R;
}

/**
 * Runs a typed operation with files, as a GraphQL multipart request: each file
 * goes to the variable path given beside it (for example "input.files.0").
 */
export async function upload<R, V>(doc: TypedDocumentNode<R, V>, variables: V, files: [string, File][]): Promise<R> {
  const form = new FormData();
  form.append("operations", JSON.stringify({ query: print(doc), variables }));
  const map: Record<string, string[]> = {};
  files.forEach(([path], i) => (map[String(i)] = ["variables." + path]));
  form.append("map", JSON.stringify(map));
  files.forEach(([, file], i) => form.append(String(i), file, file.name));
  return (await post(form, {})) as R;
}

let ws: Client | null = null;

function resetSubscriptions(): void {
  ws?.dispose();
  ws = null;
}

function wsClient(): Client {
  if (!ws) {
    const url = endpoint().replace(/^http/, "ws");
    ws = createClient({
      url,
      lazy: true,
      // No retries here: a retry would subscribe again with the same
      // variables, so a stream resumed after a cursor would skip what came in
      // between. Callers resubscribe themselves (live.ts), after the last cursor.
      retryAttempts: 0,
      connectionParams: () => {
        const token = getToken();
        return token ? { Authorization: `Bearer ${token}` } : {};
      },
    });
  }
  return ws;
}

/**
 * Subscribes to a typed subscription; onData gets each event. Returns the
 * function that stops it.
 */
export function subscribe<R, V>(
  doc: TypedDocumentNode<R, V>,
  variables: V,
  onData: (data: R) => void,
  onError?: (err: Error) => void,
): () => void {
  return wsClient().subscribe(
    { query: print(doc), variables: variables as Record<string, unknown> },
    {
      next: (r) => {
        if (r.errors?.length) {
          onError?.(new ApiError(r.errors[0].message, String(r.errors[0].extensions?.code ?? "INTERNAL")));
          return;
        }
        if (r.data) onData(r.data as R);
      },
      error: (e) => onError?.(e instanceof Error ? e : new Error("subscription ended")),
      complete: () => {},
    },
  );
}
