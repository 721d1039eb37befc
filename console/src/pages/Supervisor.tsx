// The supervisor's view: the live queues and agents (queueEvents), and each
// service's figures over a chosen range, with bar charts where a glance says
// more than a number.
import { useCallback, useEffect, useState } from "react";
import { graphql } from "../gql";
import type { QueueLiveSubscription, ServiceFiguresQuery } from "../gql/graphql";
import { request } from "../api";
import { keep } from "../live";
import { ErrorNote, errorText } from "../components";

const QueueDoc = graphql(`
  subscription QueueLive {
    queueEvents {
      at
      services { serviceId name waiting offered longestWaitSeconds conversations { conversationId waitSeconds offeredToId } }
      agents { userId name state stateReason openConversations pendingOffers capacity }
    }
  }
`);

const StatsDoc = graphql(`
  query ServiceFigures($from: Time!, $to: Time!) {
    serviceStats(from: $from, to: $to) {
      serviceId
      name
      entered
      answered
      abandoned
      averageWaitSeconds
      longestWaitSeconds
      handled
      averageHandleSeconds
      waitingNow
      averageRating
      ratings
      channels { channel conversations }
    }
  }
`);

type Snapshot = QueueLiveSubscription["queueEvents"];
type Stats = ServiceFiguresQuery["serviceStats"][number];

const ranges: Record<string, number> = { "Last hour": 3600e3, "Today (24 h)": 86400e3, "Last 7 days": 7 * 86400e3, "Last 30 days": 30 * 86400e3 };
const custom = "Custom range…";

/** A time as a datetime-local input shows it (local time, to the minute). */
function localInput(d: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

function seconds(s: number | null | undefined): string {
  if (s == null) return "—";
  if (s < 60) return `${Math.round(s)} s`;
  return `${Math.round(s / 60)} min`;
}

export function SupervisorPage() {
  const [snap, setSnap] = useState<Snapshot | null>(null);
  const [range, setRange] = useState("Today (24 h)");
  const [customFrom, setCustomFrom] = useState(() => localInput(new Date(Date.now() - 86400e3)));
  const [customTo, setCustomTo] = useState(() => localInput(new Date()));
  const [stats, setStats] = useState<Stats[]>([]);
  const [error, setError] = useState("");

  const [live, setLive] = useState(false);
  // When the browser got the snapshot: waits grow from there by the
  // browser's own clock (the server sends a snapshot only on a change).
  const [receivedAt, setReceivedAt] = useState(Date.now());
  useEffect(
    () =>
      keep(
        QueueDoc,
        {},
        (r) => {
          setSnap(r.queueEvents);
          setReceivedAt(Date.now());
        },
        setLive,
      ),
    [],
  );
  const now = useNow(1000);
  const waited = (longest: number, waiting: number) => (waiting > 0 ? longest + Math.max(0, now - receivedAt) / 1000 : 0);

  const load = useCallback(async () => {
    let to = new Date(Date.now() + 60e3);
    let from = new Date(to.getTime() - (ranges[range] ?? 0));
    if (range === custom) {
      from = new Date(customFrom);
      to = new Date(customTo);
      if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime()) || from >= to) {
        setError("Pick a start before the end.");
        return;
      }
    }
    setError("");
    try {
      setStats((await request(StatsDoc, { from: from.toISOString(), to: to.toISOString() })).serviceStats);
    } catch (err) {
      setError(errorText(err));
    }
  }, [range, customFrom, customTo]);

  // Figures follow the queue: each snapshot is a change worth a fresh count.
  useEffect(() => void load(), [load, snap?.at]);

  const maxEntered = Math.max(1, ...stats.map((s) => s.entered));

  return (
    <div className="supervisor">
      <ErrorNote error={error} />
      <section className="panel" aria-labelledby="queue-title">
        <h2 id="queue-title">
          Live queue <span className={live ? "live on" : "live"}>{live ? "live" : "reconnecting"}</span>
        </h2>
        {!snap && <p className="muted">Connecting…</p>}
        <table>
          <thead>
            <tr>
              <th scope="col">Service</th>
              <th scope="col">Waiting</th>
              <th scope="col">Offered</th>
              <th scope="col">Longest wait</th>
            </tr>
          </thead>
          <tbody>
            {snap?.services.map((s) => (
              <tr key={s.serviceId} data-testid="queue-row">
                <td>{s.name}</td>
                <td data-testid="waiting">{s.waiting}</td>
                <td>{s.offered}</td>
                <td data-testid="longest-wait">{seconds(waited(s.longestWaitSeconds, s.waiting))}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <section className="panel" aria-labelledby="agents-title">
        <h2 id="agents-title">Agents</h2>
        <table>
          <thead>
            <tr>
              <th scope="col">Agent</th>
              <th scope="col">State</th>
              <th scope="col">Load (open and offered)</th>
              <th scope="col">Offers</th>
            </tr>
          </thead>
          <tbody>
            {snap?.agents.map((a) => (
              <tr key={a.userId}>
                <td>{a.name}</td>
                <td>
                  <span className={`state state-${a.state.toLowerCase()}`}>{a.state}</span>
                  {a.stateReason && <span className="muted"> ({a.stateReason})</span>}
                </td>
                <td>
                  <meter
                    min={0}
                    max={a.capacity || 1}
                    value={a.openConversations + a.pendingOffers}
                    aria-label={`${a.openConversations} open and ${a.pendingOffers} offered of ${a.capacity}`}
                  />{" "}
                  {a.openConversations + a.pendingOffers}/{a.capacity}
                </td>
                <td>{a.pendingOffers}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <section className="panel" aria-labelledby="figures-title">
        <h2 id="figures-title">Figures</h2>
        <label>
          Range
          <select value={range} onChange={(e) => setRange(e.target.value)}>
            {[...Object.keys(ranges), custom].map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
        </label>
        {range === custom && (
          <div className="inline-form">
            <label>
              From
              <input type="datetime-local" value={customFrom} onChange={(e) => setCustomFrom(e.target.value)} />
            </label>
            <label>
              To
              <input type="datetime-local" value={customTo} onChange={(e) => setCustomTo(e.target.value)} />
            </label>
          </div>
        )}
        <table>
          <thead>
            <tr>
              <th scope="col">Service</th>
              <th scope="col">Conversations</th>
              <th scope="col">Answered</th>
              <th scope="col">Abandoned</th>
              <th scope="col">Avg wait</th>
              <th scope="col">Longest wait</th>
              <th scope="col">Avg handle</th>
              <th scope="col">Satisfaction</th>
            </tr>
          </thead>
          <tbody>
            {stats.map((s) => (
              <tr key={s.serviceId} data-testid="figures-row">
                <th scope="row">{s.name}</th>
                <td>
                  <span className="bar" style={{ width: `${(100 * s.entered) / maxEntered}%` }} aria-hidden="true" />
                  <span data-testid="entered">{s.entered}</span>
                </td>
                <td data-testid="answered">{s.answered}</td>
                <td>{s.abandoned}</td>
                <td>{seconds(s.averageWaitSeconds)}</td>
                <td>{seconds(s.longestWaitSeconds)}</td>
                <td>{seconds(s.averageHandleSeconds)}</td>
                <td>{s.averageRating != null ? `${s.averageRating.toFixed(1)} / 5 (${s.ratings})` : "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <h3>By channel</h3>
        <ul className="channels">
          {stats.flatMap((s) =>
            s.channels.map((c) => (
              <li key={s.serviceId + c.channel}>
                {s.name} · {c.channel}: {c.conversations}
              </li>
            )),
          )}
        </ul>
      </section>
    </div>
  );
}

/** The time now, in milliseconds, renewed every interval. */
function useNow(interval: number): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = window.setInterval(() => setNow(Date.now()), interval);
    return () => window.clearInterval(t);
  }, [interval]);
  return now;
}
