// The agent's desk: state, incoming offers with their countdown, the open
// conversations with live messages, replies with files, transfer and close,
// and the contact's history. Everything arrives on inboxEvents, resumed after
// the last cursor on reconnect.
import { useCallback, useEffect, useMemo, useRef, useState, type FormEvent } from "react";
import { graphql } from "../gql";
import type { AgentConversationFieldsFragment, AgentMessageFieldsFragment, UserState } from "../gql/graphql";
import { request, upload } from "../api";
import { follow } from "../live";
import { AuthImage, ErrorNote, Tick, errorText, useCountdown } from "../components";
import type { Viewer } from "../main";

export const AgentConversationFields = graphql(`
  fragment AgentConversationFields on Conversation {
    id
    status
    lastMessageAt
    assignee { id name }
    contact { id displayName providerUserID language fields { name value } }
    integrationAccount { id name type }
    service { id name }
  }
`);

const MyOffersDoc = graphql(`
  query MyPendingOffers {
    myOffers { id expiresAt conversation { ...AgentConversationFields } }
  }
`);

export const AgentMessageFields = graphql(`
  fragment AgentMessageFields on Message {
    id
    direction
    status
    text
    createdAt
    error
    sender { id name }
    attachments { type fileName mimeType downloadUrl status }
  }
`);

const MyConversationsDoc = graphql(`
  query MyConversations($me: ID!) {
    conversations(first: 50, where: { status: OPEN, hasAssigneeWith: [{ id: $me }] }, orderBy: { field: LAST_MESSAGE_AT, direction: DESC }) {
      edges { node { ...AgentConversationFields } }
    }
  }
`);

const ConversationMessagesDoc = graphql(`
  query ConversationMessages($id: ID!) {
    node(id: $id) {
      ... on Conversation {
        id
        messages(last: 100, orderBy: { field: CREATED_AT, direction: ASC }) {
          edges { node { ...AgentMessageFields } }
        }
      }
    }
  }
`);

const AgentInboxDoc = graphql(`
  subscription AgentInbox($after: String) {
    inboxEvents(after: $after) {
      cursor
      kind
      conversation { ...AgentConversationFields }
      message { ...AgentMessageFields }
      offer { id status expiresAt }
    }
  }
`);

const HistoryDoc = graphql(`
  query ContactHistory($id: ID!) {
    node(id: $id) { ... on Conversation { id history { id status createdAt } } }
  }
`);

const SetStateDoc = graphql(`
  mutation SetMyState($input: AgentStateInput!) {
    setAgentState(input: $input) { id state stateReason }
  }
`);

const AcceptDoc = graphql(`
  mutation AcceptOffer($id: ID!) {
    acceptOffer(id: $id) { ...AgentConversationFields }
  }
`);

const RejectDoc = graphql(`
  mutation RejectOffer($id: ID!) {
    rejectOffer(id: $id) { id status }
  }
`);

const SendDoc = graphql(`
  mutation SendReply($input: SendMessageInput!) {
    sendMessage(input: $input) { ...AgentMessageFields }
  }
`);

const CloseDoc = graphql(`
  mutation CloseConversation($id: ID!) {
    closeConversation(id: $id) { id status }
  }
`);

const TransferDoc = graphql(`
  mutation TransferConversation($id: ID!, $serviceId: ID, $userId: ID) {
    transferConversation(id: $id, serviceId: $serviceId, userId: $userId) { id }
  }
`);

const TargetsDoc = graphql(`
  query TransferTargets {
    chatServices { id name }
    users(first: 200, where: { active: true, roleIn: [AGENT, SUPERVISOR] }) { edges { node { id name state } } }
  }
`);

type Conv = AgentConversationFieldsFragment;
type Msg = AgentMessageFieldsFragment;
interface Offer {
  id: string;
  expiresAt: string;
  conversation: Conv;
}

export function AgentPage({ viewer }: { viewer: Viewer }) {
  const [state, setState] = useState<UserState>(viewer.state);
  const [reason, setReason] = useState(viewer.stateReason ?? "");
  const [offers, setOffers] = useState<Offer[]>([]);
  const [convs, setConvs] = useState<Conv[]>([]);
  const [selected, setSelected] = useState<string | null>(null);
  const [messages, setMessages] = useState<Record<string, Msg[]>>({});
  const [live, setLive] = useState(false);
  const [error, setError] = useState("");
  const selectedRef = useRef<string | null>(null);
  selectedRef.current = selected;

  // Events of a conversation whose messages are still loading wait here, so
  // the list that loads does not lose what happened meanwhile.
  const pending = useRef<Record<string, Msg[]>>({});

  /** An event's message: it replaces the one with its ID, or is added. */
  const addMessage = useCallback((convID: string, m: Msg) => {
    setMessages((all) => {
      const list = all[convID];
      if (!list) {
        (pending.current[convID] ??= []).push(m);
        return all;
      }
      return { ...all, [convID]: merge(list, [m]) };
    });
  }, []);

  /** The agent's own reply as the mutation returned it: never older news than an event's. */
  const addSent = useCallback((convID: string, m: Msg) => {
    setMessages((all) => {
      const list = all[convID] ?? [];
      return list.some((x) => x.id === m.id) ? all : { ...all, [convID]: [...list, m] };
    });
  }, []);

  useEffect(() => {
    request(MyConversationsDoc, { me: viewer.id })
      .then((r) => setConvs((r.conversations.edges ?? []).flatMap((e) => (e?.node ? [e.node as Conv] : []))))
      .catch((err) => setError(errorText(err)));
    return follow(
      AgentInboxDoc,
      {},
      (r) => r.inboxEvents,
      (r) => {
        const ev = r.inboxEvents;
        const conv = ev.conversation as Conv;
        const mine = conv.assignee?.id === viewer.id && conv.status === "OPEN";
        switch (ev.kind) {
          case "CONVERSATION_OFFERED":
            if (ev.offer) {
              const offer = { id: ev.offer.id, expiresAt: ev.offer.expiresAt, conversation: conv };
              setOffers((o) => [...o.filter((x) => x.id !== offer.id), offer]);
            }
            return;
          case "CONVERSATION_OFFER_ENDED":
            setOffers((o) => o.filter((x) => x.id !== ev.offer?.id));
            // Letting an offer expire sets the agent NOT_READY (routing's rule).
            if (ev.offer?.status === "EXPIRED") setState("NOT_READY");
            return;
        }
        setConvs((list) => {
          const rest = list.filter((c) => c.id !== conv.id);
          return mine ? [conv, ...rest] : rest;
        });
        if (ev.message) addMessage(conv.id, ev.message as Msg);
      },
      setLive,
    );
  }, [viewer.id, addMessage]);

  // Offers still pending when the desk (re)connects: after a reload, or
  // made while the connection was down. Events that arrived meanwhile stay.
  useEffect(() => {
    if (!live) return;
    request(MyOffersDoc)
      .then((r) => {
        const now = Date.now();
        const pendingOffers = r.myOffers.map((o) => ({ id: o.id, expiresAt: o.expiresAt, conversation: o.conversation as Conv }));
        setOffers((list) => [...list.filter((x) => !pendingOffers.some((p) => p.id === x.id) && Date.parse(x.expiresAt) > now), ...pendingOffers]);
      })
      .catch((err) => setError(errorText(err)));
  }, [live]);

  useEffect(() => {
    if (!selected || messages[selected]) return;
    request(ConversationMessagesDoc, { id: selected })
      .then((r) => {
        const node = r.node as { messages?: { edges?: ({ node?: Msg | null } | null)[] | null } } | null;
        const list = (node?.messages?.edges ?? []).flatMap((e) => (e?.node ? [e.node] : []));
        const later = pending.current[selected] ?? [];
        delete pending.current[selected];
        setMessages((all) => ({ ...all, [selected]: merge(all[selected] ?? list, later) }));
      })
      .catch((err) => setError(errorText(err)));
  }, [selected, messages]);

  const changeState = async (next: UserState) => {
    setError("");
    try {
      const r = await request(SetStateDoc, { input: { state: next, reason: next === "NOT_READY" ? reason || "Break" : null } });
      setState(r.setAgentState.state);
    } catch (err) {
      setError(errorText(err));
    }
  };

  const accept = async (o: Offer) => {
    setError("");
    try {
      const conv = (await request(AcceptDoc, { id: o.id })).acceptOffer as Conv;
      setOffers((list) => list.filter((x) => x.id !== o.id));
      setConvs((list) => [conv, ...list.filter((c) => c.id !== conv.id)]);
      setSelected(conv.id);
    } catch (err) {
      setError(errorText(err));
      setOffers((list) => list.filter((x) => x.id !== o.id));
    }
  };

  const reject = async (o: Offer) => {
    setOffers((list) => list.filter((x) => x.id !== o.id));
    try {
      await request(RejectDoc, { id: o.id });
    } catch (err) {
      setError(errorText(err));
    }
  };

  const current = convs.find((c) => c.id === selected) ?? null;

  return (
    <div className="agent">
      <section className="panel state" aria-labelledby="state-title">
        <h2 id="state-title">My state</h2>
        <p>
          Now: <strong data-testid="agent-state">{state}</strong> <span className={live ? "live on" : "live"}>{live ? "live" : "reconnecting"}</span>
        </p>
        <div className="buttons">
          <button type="button" onClick={() => changeState("READY")} aria-pressed={state === "READY"}>
            Ready
          </button>
          <label>
            Reason
            <input value={reason} onChange={(e) => setReason(e.target.value)} placeholder="Break" />
          </label>
          <button type="button" onClick={() => changeState("NOT_READY")} aria-pressed={state === "NOT_READY"}>
            Not ready
          </button>
        </div>
        <ErrorNote error={error} />
      </section>

      <section className="panel offers" aria-labelledby="offers-title" aria-live="polite">
        <h2 id="offers-title">Offers</h2>
        {offers.length === 0 && <p className="muted">No offers. Set yourself Ready to receive conversations.</p>}
        <ul>
          {offers.map((o) => (
            <OfferItem key={o.id} offer={o} onAccept={() => accept(o)} onReject={() => reject(o)} />
          ))}
        </ul>
      </section>

      <section className="panel list" aria-labelledby="convs-title">
        <h2 id="convs-title">My conversations</h2>
        {convs.length === 0 && <p className="muted">None open.</p>}
        <ul>
          {convs.map((c) => (
            <li key={c.id}>
              <button type="button" className={c.id === selected ? "conv selected" : "conv"} onClick={() => setSelected(c.id)} aria-pressed={c.id === selected}>
                <strong>{c.contact.displayName || c.contact.providerUserID}</strong>
                <span className="muted">
                  {c.integrationAccount.name} · {c.integrationAccount.type}
                </span>
              </button>
            </li>
          ))}
        </ul>
      </section>

      {current ? (
        <ConversationView
          key={current.id}
          conv={current}
          messages={messages[current.id] ?? []}
          onSent={(m) => addSent(current.id, m)}
          onGone={() => {
            setConvs((list) => list.filter((c) => c.id !== current.id));
            setSelected(null);
          }}
        />
      ) : (
        <section className="panel chat">
          <p className="muted">Pick a conversation.</p>
        </section>
      )}
    </div>
  );
}

/** A client message ID for a reply; crypto.randomUUID needs a secure origin, which http://LAN-address is not. */
function messageID(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

/** list with each of updates replacing the message of its ID, or appended. */
function merge(list: Msg[], updates: Msg[]): Msg[] {
  let out = list;
  for (const m of updates) {
    const i = out.findIndex((x) => x.id === m.id);
    out = i >= 0 ? out.map((x) => (x.id === m.id ? m : x)) : [...out, m];
  }
  return out;
}

function OfferItem({ offer, onAccept, onReject }: { offer: Offer; onAccept: () => void; onReject: () => void }) {
  const left = useCountdown(offer.expiresAt);
  const c = offer.conversation;
  return (
    <li className="offer">
      <span>
        <strong>{c.contact.displayName || c.contact.providerUserID}</strong> on {c.integrationAccount.name}
        {c.service && <> ({c.service.name})</>}
      </span>
      <span className="countdown" role="timer" aria-label={`${left} seconds left`}>
        {left}s
      </span>
      <button type="button" onClick={onAccept}>
        Accept
      </button>
      <button type="button" onClick={onReject} className="secondary">
        Reject
      </button>
    </li>
  );
}

function ConversationView({ conv, messages, onSent, onGone }: { conv: Conv; messages: Msg[]; onSent: (m: Msg) => void; onGone: () => void }) {
  const [text, setText] = useState("");
  const [files, setFiles] = useState<File[]>([]);
  const [error, setError] = useState("");
  const [sending, setSending] = useState(false);
  const [targets, setTargets] = useState<{ value: string; label: string }[]>([]);
  const [transferTo, setTransferTo] = useState("");
  const [history, setHistory] = useState<{ id: string; status: string; createdAt: string }[]>([]);
  const fileInput = useRef<HTMLInputElement>(null);
  const end = useRef<HTMLLIElement>(null);

  useEffect(() => {
    void request(TargetsDoc).then((r) =>
      setTargets([
        ...r.chatServices.map((s) => ({ value: "service:" + s.id, label: `${s.name} (queue)` })),
        ...(r.users.edges ?? []).flatMap((e) =>
          e?.node && e.node.id !== conv.assignee?.id ? [{ value: "user:" + e.node.id, label: `${e.node.name} (${e.node.state.toLowerCase()})` }] : [],
        ),
      ]),
    );
    void request(HistoryDoc, { id: conv.id }).then((r) => setHistory(((r.node as { history?: typeof history } | null)?.history ?? []).filter((h) => h.id !== conv.id)));
  }, [conv.id, conv.assignee?.id]);
  useEffect(() => {
    end.current?.scrollIntoView?.({ block: "nearest" });
  }, [messages.length]);

  const send = async (e: FormEvent) => {
    e.preventDefault();
    if (!text.trim() && files.length === 0) return;
    setSending(true);
    setError("");
    try {
      const input = { conversationId: conv.id, text: text || null, clientMessageId: messageID() };
      // Multipart: each file's variable starts null and the request's map fills it.
      const r = files.length
        ? await upload(SendDoc, { input: { ...input, files: files.map(() => null as unknown as File) } }, files.map((f, i) => [`input.files.${i}`, f] as [string, File]))
        : await request(SendDoc, { input });
      onSent(r.sendMessage as Msg);
      setText("");
      setFiles([]);
      if (fileInput.current) fileInput.current.value = "";
    } catch (err) {
      setError(errorText(err));
    } finally {
      setSending(false);
    }
  };

  const close = async () => {
    try {
      await request(CloseDoc, { id: conv.id });
      onGone();
    } catch (err) {
      setError(errorText(err));
    }
  };

  const transfer = async () => {
    if (!transferTo) return;
    try {
      const [kind, id] = transferTo.split(":");
      await request(TransferDoc, kind === "service" ? { id: conv.id, serviceId: id } : { id: conv.id, userId: id });
      onGone();
    } catch (err) {
      setError(errorText(err));
    }
  };

  const title = conv.contact.displayName || conv.contact.providerUserID;
  const sorted = useMemo(() => [...messages].sort((a, b) => a.createdAt.localeCompare(b.createdAt)), [messages]);

  return (
    <section className="panel chat" aria-labelledby="chat-title">
      <header className="chat-head">
        <h2 id="chat-title">{title}</h2>
        <span className="muted">
          {conv.integrationAccount.name} · {conv.integrationAccount.type}
        </span>
        <span className="actions">
          <label>
            Transfer to
            <select value={transferTo} onChange={(e) => setTransferTo(e.target.value)}>
              <option value="">someone…</option>
              {targets.map((t) => (
                <option key={t.value} value={t.value}>
                  {t.label}
                </option>
              ))}
            </select>
          </label>
          <button type="button" onClick={transfer} disabled={!transferTo}>
            Transfer
          </button>
          <button type="button" onClick={close} className="secondary">
            Close
          </button>
        </span>
      </header>
      {(conv.contact.language || conv.contact.fields.length > 0) && (
        <dl className="contact-facts" aria-label={`About ${title}`}>
          {conv.contact.language && (
            <div>
              <dt>Language</dt>
              <dd lang={conv.contact.language}>{conv.contact.language}</dd>
            </div>
          )}
          {conv.contact.fields.map((f) => (
            <div key={f.name}>
              <dt>{f.name}</dt>
              <dd>{f.value}</dd>
            </div>
          ))}
        </dl>
      )}
      {history.length > 0 && (
        <details className="history">
          <summary>{history.length} earlier conversation{history.length > 1 ? "s" : ""} with this contact</summary>
          <ul>
            {history.map((h) => (
              <li key={h.id}>
                {new Date(h.createdAt).toLocaleString()} · {h.status.toLowerCase()}
              </li>
            ))}
          </ul>
        </details>
      )}
      <ol className="messages" aria-label={`Messages with ${title}`} aria-live="polite">
        {sorted.map((m) => (
          <li key={m.id} className={m.direction === "INBOUND" ? "msg in" : "msg out"} data-testid="message">
            {m.text && <p>{m.text}</p>}
            {m.attachments.map((a, i) =>
              a.mimeType?.startsWith("image/") || a.type === "IMAGE" ? (
                <AuthImage key={i} src={a.downloadUrl} alt={a.fileName ?? "image"} />
              ) : (
                <p key={i} className="file">
                  📎 {a.fileName ?? a.type.toLowerCase()}
                </p>
              ),
            )}
            <span className="meta">
              {m.direction === "OUTBOUND" ? (m.sender?.name ?? "system") : ""} {new Date(m.createdAt).toLocaleTimeString()}{" "}
              {m.direction === "OUTBOUND" && <Tick status={m.status} />}
              {m.error && <span className="error"> {m.error}</span>}
            </span>
          </li>
        ))}
        <li ref={end} aria-hidden="true" />
      </ol>
      <form className="reply" onSubmit={send}>
        <label className="grow">
          Reply
          <textarea value={text} onChange={(e) => setText(e.target.value)} rows={2} />
        </label>
        <label>
          Attach files
          <input ref={fileInput} type="file" multiple onChange={(e) => setFiles(Array.from(e.target.files ?? []))} />
        </label>
        <button type="submit" disabled={sending}>
          Send
        </button>
      </form>
      <ErrorNote error={error} />
    </section>
  );
}
