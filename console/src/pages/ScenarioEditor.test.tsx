/**
 * Protects the scenario editor's forms: a condition offers only the ops and
 * inputs its subject takes (and saves only those fields), an IF block's exits
 * follow its branches, exits follow a block that is renamed, a block can be
 * edited as JSON and back, and the server's validation problems are shown at
 * the input they concern (aria-invalid, aria-describedby) or else on the
 * block. The API (../api) is a fake: request answers the load and the save.
 */
import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { ScenarioFieldsFragment, ScenarioInput } from "../gql/graphql";
import { ApiError, request } from "../api";
import { ScenarioEditor } from "./ScenarioEditor";

vi.mock("../api", async (importOriginal) => ({ ...(await importOriginal<typeof import("../api")>()), request: vi.fn() }));

type Block = ScenarioFieldsFragment["blocks"][number];
const none = { sendMessage: null, if: null, findAgent: null, collect: null, survey: null, exit: null };
const cond = { field: null, value: null, number: 0, ignoreCase: false, timeZone: null, not: false };

const scenario: ScenarioFieldsFragment = {
  start: "greeting",
  blocks: [
    { ...none, id: "greeting", type: "SEND_MESSAGE", sendMessage: { text: "Hello {customerName}!" }, exits: [{ name: "next", to: "route" }] },
    {
      ...none,
      id: "route",
      type: "IF",
      if: { branches: [{ name: "urgent", conditions: [{ ...cond, subject: "MESSAGE_TEXT", op: "CONTAINS", value: "urgent", ignoreCase: true }] }] },
      exits: [
        { name: "urgent", to: "find" },
        { name: "else", to: "ask" },
      ],
    },
    {
      ...none,
      id: "ask",
      type: "COLLECT",
      collect: { question: "Your order number?", variable: "order", pattern: "\\d{6}", retryText: null, maxAttempts: 0 },
      exits: [
        { name: "done", to: "find" },
        { name: "failed", to: "find" },
      ],
    },
    {
      ...none,
      id: "find",
      type: "FIND_AGENT",
      findAgent: { skills: [{ skill: "orders", minLevel: 2 }], timeoutSeconds: 300 },
      exits: [
        { name: "found", to: "chat" },
        { name: "timeout", to: "end" },
      ],
    },
    {
      ...none,
      id: "chat",
      type: "CONNECT_CHAT",
      exits: [
        { name: "agentLeft", to: "end" },
        { name: "customerLeft", to: "end" },
      ],
    },
    { ...none, id: "end", type: "EXIT", exit: { closingText: "Goodbye!" }, exits: [] },
  ] as Block[],
};

/** What the next save answers. */
let onSave: () => Promise<unknown>;

beforeEach(() => {
  onSave = async () => ({ saveScenario: { id: "svc1", scenario } });
  vi.mocked(request).mockReset();
  vi.mocked(request).mockImplementation((async (_doc: unknown, vars: Record<string, unknown>) =>
    "input" in vars ? onSave() : { node: { id: "svc1", name: "Support", scenario }, defaultScenario: scenario }) as unknown as typeof request);
});

async function open() {
  const user = userEvent.setup();
  render(<ScenarioEditor serviceId="svc1" onClose={() => {}} />);
  await screen.findByRole("listitem", { name: "Block route" });
  return user;
}

const block = (id: string) => screen.getByRole("listitem", { name: `Block ${id}` });

/** The scenario the last save sent. */
function savedInput(): ScenarioInput {
  const call = vi.mocked(request).mock.calls.filter((c) => c[1] && "input" in (c[1] as object)).at(-1);
  expect(call, "a save was sent").toBeDefined();
  return (call![1] as { input: ScenarioInput }).input;
}

function exitsOf(input: ScenarioInput, id: string) {
  return input.blocks.find((b) => b.id === id)?.exits;
}

/** The text of the elements an input's aria-describedby names. */
function description(el: HTMLElement): string {
  return (el.getAttribute("aria-describedby") ?? "")
    .split(" ")
    .filter(Boolean)
    .map((id) => document.getElementById(id)?.textContent ?? "")
    .join(" ");
}

const selectedText = (el: HTMLElement) => (el as HTMLSelectElement).selectedOptions[0]?.textContent;

describe("ScenarioEditor", () => {
  it("shows each block's parameters as a form, not JSON", async () => {
    await open();
    expect((within(block("greeting")).getByLabelText("Message") as HTMLTextAreaElement).value).toBe("Hello {customerName}!");
    expect(within(block("greeting")).getByText(/\{customerName\}, \{agentName\}, \{position\}.*\{wait\}.*\{order\}/)).toBeTruthy();
    const ask = within(block("ask"));
    expect((ask.getByLabelText("Variable") as HTMLInputElement).value).toBe("order");
    expect((ask.getByLabelText("Pattern (optional)") as HTMLInputElement).value).toBe("\\d{6}");
    expect((ask.getByLabelText("Attempts (optional)") as HTMLInputElement).value).toBe("");
    const find = within(block("find"));
    expect((find.getByLabelText("Skill 1") as HTMLInputElement).value).toBe("orders");
    expect((find.getByRole("spinbutton", { name: "Minimum level" }) as HTMLInputElement).value).toBe("2");
    expect((find.getByRole("spinbutton", { name: "Timeout (seconds)" }) as HTMLInputElement).value).toBe("300");
    expect((within(block("end")).getByLabelText("Closing text (optional)") as HTMLTextAreaElement).value).toBe("Goodbye!");
    expect(screen.queryByRole("textbox", { name: /JSON/ })).toBeNull();
  });

  it("offers only the ops and inputs of the condition's subject, and saves only those fields", async () => {
    const user = await open();
    const c = within(within(block("route")).getByRole("group", { name: "Condition 1" }));
    expect((c.getByLabelText("Text") as HTMLInputElement).value).toBe("urgent");

    await user.selectOptions(c.getByLabelText("Subject"), "QUEUE_LENGTH");
    const ops = c.getByLabelText("Comparison") as HTMLSelectElement;
    expect([...ops.options].map((o) => o.value)).toEqual(["EQUALS", "LESS_THAN", "AT_MOST", "GREATER_THAN", "AT_LEAST"]);
    expect(ops.value).toBe("EQUALS");
    const number = c.getByRole("spinbutton", { name: "Conversations waiting" });
    expect(c.queryByLabelText("Text")).toBeNull();
    expect(c.queryByLabelText("Ignore case")).toBeNull();
    expect(c.queryByLabelText(/Time zone/)).toBeNull();

    await user.selectOptions(ops, "AT_LEAST");
    await user.clear(number);
    await user.type(number, "5");
    await user.click(screen.getByRole("button", { name: "Save scenario" }));
    await screen.findByText("Scenario saved.");
    const route = savedInput().blocks.find((b) => b.id === "route");
    expect(route?.if?.branches[0].conditions[0]).toEqual({ subject: "QUEUE_LENGTH", op: "AT_LEAST", number: 5 });

    await user.selectOptions(c.getByLabelText("Subject"), "TIME");
    expect([...(c.getByLabelText("Comparison") as HTMLSelectElement).options].map((o) => o.value)).toEqual(["WITHIN"]);
    expect((c.getByLabelText("Hours") as HTMLInputElement).value).toBe("Mon-Fri 09:00-18:00");
    expect(c.getByLabelText("Time zone (optional)")).toBeTruthy();
    expect(c.queryByRole("spinbutton")).toBeNull();

    await user.selectOptions(c.getByLabelText("Subject"), "VARIABLE");
    expect([...(c.getByLabelText("Comparison") as HTMLSelectElement).options].map((o) => o.value)).toEqual(["CONTAINS", "EQUALS", "MATCHES", "EMPTY"]);
    const variable = c.getByLabelText("Variable") as HTMLInputElement;
    const suggestions = document.getElementById(variable.getAttribute("list") ?? "");
    expect([...(suggestions?.querySelectorAll("option") ?? [])].map((o) => o.value)).toEqual(["order"]);
  });

  it("keeps an IF block's exits in step with its branches", async () => {
    const user = await open();
    const route = within(block("route"));
    const exits = () => within(route.getByRole("group", { name: "Exits" }));
    const name = route.getByLabelText("Branch name (its exit)");
    await user.clear(name);
    await user.type(name, "vip");
    expect(exits().queryByLabelText("urgent leads to")).toBeNull();
    expect(selectedText(exits().getByLabelText("vip leads to"))).toBe("find");

    await user.click(route.getByRole("button", { name: "Add a branch" }));
    expect(selectedText(exits().getByLabelText("branch2 leads to"))).toBe("—");
    await user.selectOptions(exits().getByLabelText("branch2 leads to"), "end");
    await user.click(route.getByRole("button", { name: "Move up: branch branch2" }));
    expect(within(route.getByRole("group", { name: "Branch 1: branch2" })).getByLabelText("Branch name (its exit)")).toBeTruthy();

    await user.click(screen.getByRole("button", { name: "Save scenario" }));
    await screen.findByText("Scenario saved.");
    expect(exitsOf(savedInput(), "route")).toEqual([
      { name: "branch2", to: "end" },
      { name: "vip", to: "find" },
      { name: "else", to: "ask" },
    ]);

    await user.click(route.getByRole("button", { name: "Remove branch vip" }));
    expect(exits().queryByLabelText("vip leads to")).toBeNull();
    expect(exits().getAllByRole("combobox").map(selectedText)).toEqual(["end", "ask"]);
  });

  it("follows a renamed block in exits and the start", async () => {
    const user = await open();
    const id = within(block("find")).getByLabelText("ID");
    await user.clear(id);
    await user.type(id, "agent");
    await user.click(screen.getByRole("button", { name: "Save scenario" }));
    await screen.findByText("Scenario saved.");
    const input = savedInput();
    expect(exitsOf(input, "route")?.[0]).toEqual({ name: "urgent", to: "agent" });
    expect(exitsOf(input, "ask")).toEqual([
      { name: "done", to: "agent" },
      { name: "failed", to: "agent" },
    ]);
    expect(input.start).toBe("greeting");
  });

  it("shows the server's problems at the inputs they concern, or on the block", async () => {
    const user = await open();
    onSave = () =>
      Promise.reject(
        new ApiError("the scenario has problems", "BAD_USER_INPUT", undefined, [
          { field: "blocks[route].if.branches[0].conditions[0].value", message: "must not be empty" },
          { field: "blocks[find].exits.timeout", message: "choose the block this exit leads to" },
          { field: "blocks[ask]", message: "no path from the start block leads here" },
          { field: "start", message: "choose the block the scenario starts at" },
        ]),
      );
    await user.click(screen.getByRole("button", { name: "Save scenario" }));

    const value = within(within(block("route")).getByRole("group", { name: "Condition 1" })).getByLabelText("Text");
    await waitFor(() => expect(value.getAttribute("aria-invalid")).toBe("true"));
    expect(description(value)).toContain("must not be empty");
    expect(block("route").className).toContain("invalid");

    const timeout = within(block("find")).getByLabelText("timeout leads to");
    expect(timeout.getAttribute("aria-invalid")).toBe("true");
    expect(description(timeout)).toContain("choose the block this exit leads to");
    expect(within(block("find")).getByLabelText("found leads to").getAttribute("aria-invalid")).toBeNull();

    expect(within(block("ask")).getByRole("alert").textContent).toContain("no path from the start block leads here");
    expect(description(screen.getByLabelText("Start block"))).toContain("choose the block the scenario starts at");
    expect(block("greeting").className).not.toContain("invalid");
    expect(screen.getByText(/Not saved: 4 problems/)).toBeTruthy();
  });

  it("edits a block as JSON and back, refusing JSON that does not read", async () => {
    const user = await open();
    const greeting = within(block("greeting"));
    await user.click(greeting.getByRole("button", { name: "Edit as JSON: block greeting" }));
    const json = greeting.getByLabelText("Parameters as JSON (sendMessage)") as HTMLTextAreaElement;
    expect(JSON.parse(json.value)).toEqual({ text: "Hello {customerName}!" });

    fireEvent.change(json, { target: { value: '{"text": "Hi {order}", "txet": 1' } });
    await user.click(greeting.getByRole("button", { name: "Edit as JSON: block greeting" }));
    expect(json.getAttribute("aria-invalid")).toBe("true");
    expect(description(json)).toMatch(/not valid JSON/);

    fireEvent.change(json, { target: { value: '{"text": "Hi {order}", "txet": 1}' } });
    await user.click(greeting.getByRole("button", { name: "Edit as JSON: block greeting" }));
    expect(description(greeting.getByLabelText("Parameters as JSON (sendMessage)"))).toMatch(/unknown field "txet"/);

    fireEvent.change(json, { target: { value: '{"text": "Hi {order}"}' } });
    await user.click(greeting.getByRole("button", { name: "Edit as JSON: block greeting" }));
    expect((greeting.getByLabelText("Message") as HTMLTextAreaElement).value).toBe("Hi {order}");
    expect(greeting.queryByRole("alert")).toBeNull();
  });
});
