/**
 * Protects live.ts, which keeps the agent desk's inbox and the supervisor's
 * queue live across dropped connections: follow() must resubscribe after the
 * last cursor it saw (so the server replays only what was missed) and drop
 * replayed events it already delivered, so a reconnect shows neither a gap
 * nor a double; keep() must come back with the same variables; stopping
 * either must end the retries. The subscription itself (./api) is a fake.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { subscribe } from "./api";
import { follow, keep } from "./live";

vi.mock("./api", () => ({ subscribe: vi.fn() }));

interface Ev {
  inboxEvents: { cursor: string; kind: string };
}
type Vars = { accountId: string; after?: string | null };

/** One call of the fake subscribe: what was asked, and the server's side of it. */
interface Sub {
  variables: Record<string, unknown>;
  send: (cursor: string) => void;
  drop: () => void;
  stop: ReturnType<typeof vi.fn>;
}

let subs: Sub[] = [];
const doc = { kind: "Document", definitions: [] } as unknown as TypedDocumentNode<Ev, Vars>;

beforeEach(() => {
  vi.useFakeTimers();
  subs = [];
  vi.mocked(subscribe).mockReset();
  vi.mocked(subscribe).mockImplementation((_doc, variables, onData, onError) => {
    const stop = vi.fn();
    subs.push({
      variables: variables as Record<string, unknown>,
      send: (cursor) => onData({ inboxEvents: { cursor, kind: "MESSAGE" } }),
      drop: () => onError?.(new Error("subscription ended")),
      stop,
    });
    return stop;
  });
});

afterEach(() => {
  vi.useRealTimers();
});

function start() {
  const got: string[] = [];
  const states: boolean[] = [];
  const stop = follow<Ev, Vars>(
    doc,
    { accountId: "a1" },
    (r) => r.inboxEvents,
    (r) => got.push(r.inboxEvents.cursor),
    (live) => states.push(live),
  );
  return { got, states, stop };
}

describe("follow", () => {
  it("starts from the beginning with the caller's variables", () => {
    start();
    expect(subs).toHaveLength(1);
    expect(subs[0].variables).toEqual({ accountId: "a1", after: null });
  });

  it("resubscribes after the last cursor seen and delivers the replay without gaps or doubles", () => {
    const { got, states } = start();
    subs[0].send("c1");
    subs[0].send("c2");
    subs[0].drop();

    expect(states).toEqual([true, false]);
    expect(subs[0].stop).toHaveBeenCalled();
    // It waits before coming back rather than hammering the server.
    vi.advanceTimersByTime(999);
    expect(subs).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(subs).toHaveLength(2);
    expect(subs[1].variables).toEqual({ accountId: "a1", after: "c2" });
    expect(states).toEqual([true, false, true]);

    // The server replays from the cursor; an overlap (c2 again) must not show twice.
    subs[1].send("c2");
    subs[1].send("c3");
    subs[1].send("c4");
    expect(got).toEqual(["c1", "c2", "c3", "c4"]);
  });

  it("resumes after the newest cursor on every drop, not the first one", () => {
    const { got } = start();
    subs[0].send("c1");
    subs[0].drop();
    vi.advanceTimersByTime(1000);
    subs[1].send("c2");
    subs[1].send("c3");
    subs[1].drop();
    vi.advanceTimersByTime(1000);

    expect(subs.map((s) => s.variables.after)).toEqual([null, "c1", "c3"]);
    subs[2].send("c4");
    expect(got).toEqual(["c1", "c2", "c3", "c4"]);
  });

  it("drops an event delivered twice on the same subscription", () => {
    const { got } = start();
    subs[0].send("c1");
    subs[0].send("c1");
    expect(got).toEqual(["c1"]);
  });

  it("stops for good when stopped while waiting to reconnect", () => {
    const { stop } = start();
    subs[0].drop();
    stop();
    vi.advanceTimersByTime(60_000);
    expect(subs).toHaveLength(1);
  });

  it("ends the live subscription when stopped", () => {
    const { stop } = start();
    stop();
    expect(subs[0].stop).toHaveBeenCalledTimes(1);
  });

  it("does not come back when the subscription reports its end after being stopped", () => {
    const { stop } = start();
    stop();
    subs[0].drop();
    vi.advanceTimersByTime(60_000);
    expect(subs).toHaveLength(1);
  });
});

describe("keep", () => {
  it("subscribes again with the same variables a second after a drop, until stopped", () => {
    const snapshots: string[] = [];
    const states: boolean[] = [];
    const stop = keep<Ev, Vars>(doc, { accountId: "a1" }, (r) => snapshots.push(r.inboxEvents.cursor), (live) => states.push(live));
    subs[0].send("s1");
    subs[0].drop();
    expect(states).toEqual([true, false]);
    expect(subs[0].stop).toHaveBeenCalled();
    vi.advanceTimersByTime(1000);
    expect(subs).toHaveLength(2);
    expect(subs[1].variables).toEqual({ accountId: "a1" });
    subs[1].send("s2");
    expect(snapshots).toEqual(["s1", "s2"]);

    subs[1].drop();
    stop();
    vi.advanceTimersByTime(60_000);
    expect(subs).toHaveLength(2);
  });

  it("ends the subscription when stopped, and stays stopped if it then reports its end", () => {
    const stop = keep<Ev, Vars>(doc, { accountId: "a1" }, () => {});
    stop();
    expect(subs[0].stop).toHaveBeenCalledTimes(1);
    subs[0].drop();
    vi.advanceTimersByTime(60_000);
    expect(subs).toHaveLength(1);
  });
});
