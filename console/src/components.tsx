// Small pieces the pages share.
import { useEffect, useState } from "react";
import { getToken } from "./api";

/** An image served by Switchboard's media endpoint, which needs the token. */
export function AuthImage({ src, alt }: { src: string; alt: string }) {
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    let revoke: string | null = null;
    const ctl = new AbortController();
    // The URL names the server's public address; the console asks its own origin.
    const u = new URL(src, window.location.origin);
    fetch(u.pathname + u.search, { headers: { Authorization: `Bearer ${getToken() ?? ""}` }, signal: ctl.signal })
      .then((r) => (r.ok ? r.blob() : Promise.reject(new Error(String(r.status)))))
      .then((b) => {
        revoke = URL.createObjectURL(b);
        setUrl(revoke);
      })
      .catch(() => setUrl(null));
    return () => {
      ctl.abort();
      if (revoke) URL.revokeObjectURL(revoke);
    };
  }, [src]);
  return url ? <img src={url} alt={alt} className="inline-image" /> : <span className="muted">{alt}</span>;
}

/** Seconds left until an ISO time, ticking. */
export function useCountdown(until: string): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = window.setInterval(() => setNow(Date.now()), 500);
    return () => window.clearInterval(t);
  }, []);
  return Math.max(0, Math.ceil((Date.parse(until) - now) / 1000));
}

/** A delivery tick for an outbound message's status, with its name for screen readers. */
export function Tick({ status }: { status: string }) {
  const marks: Record<string, [string, string]> = {
    QUEUED: ["…", "queued"],
    SENT: ["✓", "sent"],
    DELIVERED: ["✓✓", "delivered"],
    READ: ["✓✓", "read"],
    FAILED: ["!", "failed"],
  };
  const [mark, label] = marks[status] ?? ["", status.toLowerCase()];
  return (
    <span className={`tick tick-${status.toLowerCase()}`} role="img" title={label} aria-label={label} data-status={status}>
      {mark}
    </span>
  );
}

/** An error message from a failed action, announced to screen readers. */
export function ErrorNote({ error }: { error: string }) {
  return error ? (
    <p role="alert" className="error">
      {error}
    </p>
  ) : null;
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
