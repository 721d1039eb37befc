// A live event stream that survives reconnects: it resubscribes after the
// last cursor it saw, so the server replays what was missed (no gap) and
// events already seen are dropped (no double).
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { subscribe } from "./api";

export interface Cursored {
  cursor: string;
}

/**
 * Keeps a subscription without a cursor (each event a whole snapshot, as
 * queueEvents) going: it subscribes again a second after it ends.
 */
export function keep<R, V>(doc: TypedDocumentNode<R, V>, variables: V, onData: (r: R) => void, onState?: (live: boolean) => void): () => void {
  let stop: (() => void) | null = null;
  let stopped = false;
  let retry: number | undefined;
  const start = () => {
    if (stopped) return;
    onState?.(true);
    stop = subscribe(doc, variables, onData, () => {
      onState?.(false);
      stop?.();
      retry = window.setTimeout(start, 1000);
    });
  };
  start();
  return () => {
    stopped = true;
    window.clearTimeout(retry);
    stop?.();
  };
}

/**
 * Follows a subscription whose variables take `after`. pick returns the event
 * of a response. Returns the function that stops it.
 */
export function follow<R, V extends { after?: string | null }>(
  doc: TypedDocumentNode<R, V>,
  variables: Omit<V, "after">,
  pick: (r: R) => Cursored,
  onEvent: (r: R) => void,
  onState?: (live: boolean) => void,
): () => void {
  let last: string | null = null;
  const seen = new Set<string>();
  let stop: (() => void) | null = null;
  let stopped = false;
  let retry: number | undefined;

  const start = () => {
    if (stopped) return;
    onState?.(true);
    stop = subscribe(
      doc,
      { ...variables, after: last } as V,
      (r) => {
        const ev = pick(r);
        if (seen.has(ev.cursor)) return;
        seen.add(ev.cursor);
        if (seen.size > 5000) seen.clear();
        last = ev.cursor;
        onEvent(r);
      },
      () => {
        onState?.(false);
        stop?.();
        retry = window.setTimeout(start, 1000);
      },
    );
  };
  start();
  return () => {
    stopped = true;
    window.clearTimeout(retry);
    stop?.();
  };
}
