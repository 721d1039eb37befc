// The console's shell: sign-in, the viewer, and the page for the role.
import { StrictMode, useCallback, useEffect, useState } from "react";
import { createRoot } from "react-dom/client";
import { graphql } from "./gql";
import type { MeQuery } from "./gql/graphql";
import { getToken, isSession, request, setToken } from "./api";
import { SignIn } from "./pages/SignIn";
import { AdminPage } from "./pages/Admin";
import { AgentPage } from "./pages/Agent";
import { SupervisorPage } from "./pages/Supervisor";
import "./style.css";

const MeDoc = graphql(`
  query Me {
    me { id name email role state stateReason }
  }
`);

const LogoutDoc = graphql(`
  mutation Logout {
    logout
  }
`);

export type Viewer = MeQuery["me"];

type PageName = "admin" | "agent" | "supervisor";

const pagesFor: Record<string, PageName[]> = {
  ADMIN: ["admin", "agent", "supervisor"],
  SUPERVISOR: ["supervisor", "agent"],
  AGENT: ["agent"],
};

const titles: Record<PageName, string> = { admin: "Admin", agent: "Agent desk", supervisor: "Supervisor" };

function currentPage(): string {
  return window.location.hash.replace(/^#\/?/, "");
}

function App() {
  const [viewer, setViewer] = useState<Viewer | null>(null);
  const [loading, setLoading] = useState(Boolean(getToken()));
  const [page, setPage] = useState(currentPage());

  const load = useCallback(async () => {
    if (!getToken()) {
      setViewer(null);
      setLoading(false);
      return;
    }
    try {
      setViewer((await request(MeDoc)).me);
    } catch {
      setToken(null);
      setViewer(null);
    } finally {
      setLoading(false);
    }
  }, []);

  useEffect(() => {
    void load();
    const onHash = () => setPage(currentPage());
    window.addEventListener("hashchange", onHash);
    return () => window.removeEventListener("hashchange", onHash);
  }, [load]);

  if (loading) return <p className="loading">Loading…</p>;
  if (!viewer) return <SignIn onSignedIn={load} />;

  const allowed = pagesFor[viewer.role] ?? ["agent"];
  const active: PageName = allowed.includes(page as PageName) ? (page as PageName) : allowed[0];

  const signOut = async () => {
    if (isSession()) {
      try {
        await request(LogoutDoc);
      } catch {
        // The session may already be gone; sign out locally anyway.
      }
    }
    setToken(null);
    setViewer(null);
  };

  return (
    <div className="shell">
      <header className="topbar">
        <span className="brand">Switchboard</span>
        <nav aria-label="Pages">
          {allowed.map((p) => (
            <a key={p} href={`#/${p}`} aria-current={p === active ? "page" : undefined}>
              {titles[p]}
            </a>
          ))}
        </nav>
        <span className="who">
          {viewer.name} ({viewer.role.toLowerCase()})
          <button type="button" onClick={signOut}>
            Sign out
          </button>
        </span>
      </header>
      <main>
        {active === "admin" && <AdminPage />}
        {active === "agent" && <AgentPage viewer={viewer} />}
        {active === "supervisor" && <SupervisorPage />}
      </main>
    </div>
  );
}

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
