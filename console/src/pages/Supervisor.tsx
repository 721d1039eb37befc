// The supervisor's view: the live queues and agents (queueEvents), and each
// service's figures over a chosen range, as charts where a glance says more
// than a number (answered and abandoned, waits, satisfaction, channels, and
// the range over time from serviceStats' series), with the table beside them.
import { useCallback, useEffect, useState } from "react";
import { graphql } from "../gql";
import type { QueueLiveSubscription, ServiceFiguresQuery } from "../gql/graphql";
import { request } from "../api";
import { keep } from "../live";
import { ErrorNote, errorText } from "../components";
import { BarChart, TimeChart, type BarRow } from "../charts";

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
  query ServiceFigures($from: Time!, $to: Time!, $bucket: StatsBucket) {
    serviceStats(from: $from, to: $to, bucket: $bucket) {
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
      series { from entered answered abandoned }
    }
  }
`);

type Snapshot = QueueLiveSubscription["queueEvents"];
type Stats = ServiceFiguresQuery["serviceStats"][number];
type Bucket = "HOUR" | "DAY";

/** Hours for a range of up to two days, days beyond: a chart of a few to a few hundred columns. */
function bucketFor(ms: number): Bucket {
  return ms <= 2 * 86400e3 ? "HOUR" : "DAY";
}

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
  const [bucket, setBucket] = useState<Bucket>("HOUR");
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
      const bucket = bucketFor(to.getTime() - from.getTime());
      setStats((await request(StatsDoc, { from: from.toISOString(), to: to.toISOString(), bucket })).serviceStats);
      setBucket(bucket);
    } catch (err) {
      setError(errorText(err));
    }
  }, [range, customFrom, customTo]);

  // Figures follow the queue: each snapshot is a change worth a fresh count.
  useEffect(() => void load(), [load, snap?.at]);


  return (
    <div className="supervisor">
      <ErrorNote error={error} />
      {/* The queue's and agents' tables scroll inside their panels on a phone; a
          panel with nothing else to focus takes focus itself, so the keyboard can scroll it. */}
      <section className="panel" aria-labelledby="queue-title" tabIndex={0}>
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

      <section className="panel" aria-labelledby="agents-title" tabIndex={0}>
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
                <td data-testid="entered">{s.entered}</td>
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
        <Charts stats={stats} bucket={bucket} />
      </section>
    </div>
  );
}

/**
 * The figures as charts: per service, the outcomes, the waits and the
 * satisfaction; the channels; and every service together over the range.
 */
export function Charts({ stats, bucket }: { stats: Stats[]; bucket: Bucket }) {
  const outcomes: BarRow[] = stats.map((s) => ({
    label: s.name,
    segments: [
      { name: "answered", value: s.answered, className: "seg-answered" },
      { name: "abandoned", value: s.abandoned, className: "seg-abandoned" },
      { name: "waiting or left", value: Math.max(0, s.entered - s.answered - s.abandoned), className: "seg-other" },
    ],
  }));
  const waits: BarRow[] = stats
    .filter((s) => s.averageWaitSeconds != null)
    .flatMap((s) => [
      { label: `${s.name}, average`, segments: [{ name: "wait", value: s.averageWaitSeconds ?? 0, className: "seg-average" }] },
      { label: `${s.name}, longest`, segments: [{ name: "wait", value: s.longestWaitSeconds ?? 0, className: "seg-longest" }] },
    ]);
  const ratings: BarRow[] = stats
    .filter((s) => s.averageRating != null)
    .map((s) => ({ label: `${s.name} (${s.ratings})`, segments: [{ name: "of 5", value: s.averageRating ?? 0, className: "seg-rating" }] }));
  const byChannel = new Map<string, number>();
  for (const s of stats) for (const c of s.channels) byChannel.set(c.channel, (byChannel.get(c.channel) ?? 0) + c.conversations);
  const channels: BarRow[] = [...byChannel].map(([channel, n]) => ({ label: channel, segments: [{ name: "conversations", value: n, className: "seg-channel" }] }));
  // Every service's points added up, point by point (all share the range).
  const length = Math.max(0, ...stats.map((s) => s.series.length));
  const points = Array.from({ length }, (_, i) => {
    const at = stats.map((s) => s.series[i]).filter((p) => p != null);
    const total = (k: "entered" | "answered" | "abandoned") => at.reduce((a, p) => a + p[k], 0);
    return {
      from: at[0]?.from ?? "",
      segments: [
        { name: "answered", value: total("answered"), className: "seg-answered" },
        { name: "abandoned", value: total("abandoned"), className: "seg-abandoned" },
        { name: "waiting or left", value: Math.max(0, total("entered") - total("answered") - total("abandoned")), className: "seg-other" },
      ],
    };
  });
  const label = (iso: string) => {
    const d = new Date(iso);
    return bucket === "HOUR"
      ? d.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" })
      : d.toLocaleDateString(undefined, { month: "short", day: "numeric" });
  };
  return (
    <div className="charts">
      <BarChart title="Conversations by service: answered and abandoned" rows={outcomes} testId="chart-outcomes" />
      <BarChart title="Waits until answered, by service" rows={waits} format={seconds} testId="chart-waits" />
      <BarChart title="Satisfaction by service (1 to 5; answers in brackets)" rows={ratings} format={(v) => v.toFixed(1)} max={5} testId="chart-ratings" />
      <BarChart title="Conversations by channel" rows={channels} testId="chart-channels" />
      <TimeChart title={`All services over the range, ${bucket === "HOUR" ? "by hour" : "by day"}`} points={points} label={label} testId="chart-time" />
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
