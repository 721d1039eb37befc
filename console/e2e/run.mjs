// The console end to end in a real browser (headless Chromium through
// playwright-core), run by console/e2e_test.go, which starts the server, the
// fake custom messenger and the control endpoints this script calls for
// what happens outside the browser. A screenshot of every page goes to
// SCREENSHOT_DIR, named in the output (and by make after the run), and every
// page gets an automated accessibility audit (axe-core), which fails the run
// on any serious or critical problem.
import { chromium } from "playwright-core";
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const env = (k) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set`);
  return v;
};
const consoleURL = env("CONSOLE_URL");
const control = env("CONTROL_URL");
const shots = env("SCREENSHOT_DIR");
mkdirSync(shots, { recursive: true });

const step = (what) => console.log(`- ${what}`);
async function call(method, path) {
  const r = await fetch(control + path, { method });
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`);
  return r.headers.get("content-type")?.includes("json") ? r.json() : r.text();
}
async function until(what, f, ms = 20000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
async function shot(page, name) {
  const file = join(shots, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`  screenshot: ${file}`);
}

// axe-core, run in the page as DevTools would (the console's CSP refuses
// injected script tags, and rightly so).
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const problems = [];
/** Audits what page shows now; serious and critical problems fail the run at its end. */
async function audit(page, name) {
  await page.evaluate(axeSource);
  const found = await page.evaluate(async () => {
    if (!window.axe) throw new Error("axe-core did not load");
    const r = await window.axe.run(document, { resultTypes: ["violations"] });
    return r.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => `${v.id} (${v.impact}): ${v.help}, at ${v.nodes.slice(0, 4).map((n) => n.target.join(" ")).join(" | ")}`);
  });
  // GraphiQL's page is GraphiQL's own (an npm package), not the console's: its
  // problems are reported, for upstream, but do not fail the run.
  if (!name.includes("graphiql")) for (const f of found) problems.push(`${name}: ${f}`);
  step(`accessibility audit of ${name}: ${found.length ? found.join("; ") : "no serious or critical problems"}`);
}
/** A screenshot of page and an audit of it. */
async function look(page, name) {
  await shot(page, name);
  await audit(page, name);
}

const browser = await chromium.launch({ executablePath: env("CHROMIUM"), args: ["--no-sandbox"] });
const errors = [];
const pages = [];
async function signedIn(name, width = 1280) {
  const context = await browser.newContext({ viewport: { width, height: 900 } });
  // A switch for the test to cut the page's websockets and keep new ones from
  // opening, as a dropped network would.
  await context.addInitScript(() => {
    const Native = window.WebSocket;
    const open = [];
    window.__cut = (on) => {
      window.__offline = on;
      if (on) open.splice(0).forEach((s) => s.close());
    };
    window.WebSocket = class extends Native {
      constructor(...args) {
        if (window.__offline) throw new Error("offline");
        super(...args);
        open.push(this);
      }
    };
  });
  const page = await context.newPage();
  pages.push([name, page]);
  page.on("pageerror", (e) => { errors.push(`${name}: ${e.message}`); console.log(`  [${name} error] ${e.stack ?? e.message}`); });
  page.on("console", (m) => m.type() === "error" && console.log(`  [${name} console] ${m.text()}`));
  await page.goto(consoleURL);
  await page.getByLabel("Email").fill(`${name}@example.com`);
  await page.getByLabel("Password").fill(`${name}-password-1234`);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByText(`Pat ${name} (${name})`).waitFor();
  return page;
}

try {
  // Sign-in page.
  {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(consoleURL);
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    await page.getByLabel("Email").fill("admin@example.com");
    await page.getByLabel("Password").fill("wrong password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").waitFor();
    step("a wrong password is refused with a message");
    // By keyboard alone: Tab moves from the email to the password, Enter signs in.
    await page.getByLabel("Password").fill("");
    await page.getByLabel("Email").focus();
    await page.keyboard.press("Tab");
    if ((await page.evaluate(() => document.activeElement?.getAttribute("type"))) !== "password") throw new Error("Tab from the email does not reach the password");
    await page.keyboard.type("admin-password-1234");
    await page.keyboard.press("Enter");
    await page.getByText("Pat admin (admin)").waitFor();
    step("signed in by keyboard alone; the session survives a reload");
    await page.reload();
    await page.getByText("Pat admin (admin)").waitFor();
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    // The first sign-in on a new server: the admin token the first start printed.
    await page.getByLabel("API token", { exact: true }).fill(env("BOOTSTRAP_TOKEN"));
    await page.getByRole("button", { name: "Use token" }).click();
    await page.locator(".who").filter({ hasText: /^admin \(admin\)/ }).waitFor();
    await page.reload();
    await page.locator(".who").filter({ hasText: /^admin \(admin\)/ }).waitFor();
    step("signed in with the bootstrap API token; it too survives a reload");
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    await look(page, "1-sign-in");
    await context.close();
  }

  // Admin: the custom messenger's account, from the form the schema makes.
  const admin = await signedIn("admin");
  step("admin signed in");
  await admin.getByRole("heading", { name: "Integration accounts" }).waitFor();
  await admin.getByLabel("Messenger").selectOption("custom");
  const form = admin.locator("form.account-form");
  await form.getByLabel("Name", { exact: true }).fill("Shop chat");
  await form.getByLabel(/Webhook URL/).fill(env("MESSENGER_URL"));
  await form.getByLabel(/Confirmation code/).fill(env("CONFIRMATION_CODE"));
  await form.getByRole("button", { name: "Create account" }).click();
  const row = admin.getByRole("row", { name: /Shop chat/ });
  await row.waitFor();
  step("custom messenger account created");
  await admin.context().grantPermissions(["clipboard-read", "clipboard-write"]);
  await row.getByRole("button", { name: /Copy the webhook URL/ }).click();
  const copied = await until("the webhook URL on the clipboard", async () => (await admin.evaluate(() => navigator.clipboard.readText())) || null);
  if (copied !== (await row.locator("code.url").innerText()).trim() || !copied.includes("/webhooks/")) throw new Error(`copied ${copied}`);
  step("the webhook URL copied to the clipboard");
  // The secret is write-only: only whether it is set and its last four show.
  await row.getByText(/set \(…0123\)/).waitFor();
  if ((await admin.content()).includes(env("CONFIRMATION_CODE"))) throw new Error("the secret is shown");
  const connect = row.getByRole("button", { name: "Connect", exact: true });
  if (await connect.count()) {
    await connect.click();
    await row.getByText(/ACTIVE/).waitFor();
  }
  await row.getByRole("button", { name: "Test Connection" }).click();
  await row.getByRole("status").filter({ hasText: "Test Connection: passed" }).waitFor();
  step("Test Connection passed (the signed handshake)");
  await row.getByRole("button", { name: "Set Webhook" }).click();
  await row.getByRole("status").filter({ hasText: /^Set Webhook: / }).waitFor();
  step(`Set Webhook answered: ${await row.getByRole("status").innerText()}`);
  // Rotating the shared secret: the form shows only whether it is set; a new
  // value replaces it, an empty field keeps it.
  const editAccount = async (code) => {
    await row.getByRole("button", { name: "Edit", exact: true }).click();
    const edit = admin.getByRole("form", { name: "Edit Shop chat" });
    await edit.getByLabel(/Confirmation code/).fill(code);
    await edit.getByRole("button", { name: "Save account" }).click();
    await edit.waitFor({ state: "detached" });
  };
  await editAccount("rotated-secret-9876");
  await row.getByText(/set \(…9876\)/).waitFor();
  await editAccount(env("CONFIRMATION_CODE"));
  await row.getByText(/set \(…0123\)/).waitFor();
  await row.getByRole("button", { name: "Test Connection" }).click();
  await row.getByRole("status").filter({ hasText: "Test Connection: passed" }).waitFor();
  step("the shared secret rotated and back, write-only, and the handshake passes again");
  // An account made by mistake is deleted after a confirmation.
  await admin.getByLabel("Messenger").selectOption("custom");
  await form.getByLabel("Name", { exact: true }).fill("Old chat");
  await form.getByLabel(/Webhook URL/).fill(env("MESSENGER_URL"));
  await form.getByLabel(/Confirmation code/).fill("another-secret-5555");
  await form.getByRole("button", { name: "Create account" }).click();
  const old = admin.getByRole("row", { name: /Old chat/ });
  await old.waitFor();
  await old.getByRole("button", { name: "Delete", exact: true }).click();
  await old.getByRole("group", { name: "Delete Old chat" }).getByRole("button", { name: "Delete account" }).click();
  await old.waitFor({ state: "detached" });
  step("a second account deleted after its confirmation");
  // A messenger with a webhook verify token (Facebook): a new one replaces it.
  await admin.getByLabel("Messenger").selectOption("facebook");
  const fbForm = admin.locator("form.account-form");
  await fbForm.getByLabel("Name", { exact: true }).fill("Page chat");
  await fbForm.getByLabel(/^Page username/).fill("shoppage");
  await fbForm.getByLabel(/^Page ID/).fill("1234567890");
  await fbForm.getByLabel(/^Page access token/).fill("EAAB-page-token-value-1111");
  await fbForm.getByLabel(/^App secret/).fill("app-secret-value-2222");
  await fbForm.getByRole("button", { name: "Create account" }).click();
  const page = admin.getByRole("row", { name: /Page chat/ });
  await page.waitFor();
  const verifyToken = async () => (await page.locator("dt", { hasText: "Webhook verify token" }).locator("xpath=following-sibling::dd").innerText()).trim();
  const firstToken = await verifyToken();
  await page.getByRole("button", { name: "New verify token" }).click();
  await page.getByRole("status").filter({ hasText: "New verify token: done" }).waitFor();
  await until("the verify token to change", async () => (await verifyToken()) !== firstToken && (await verifyToken()).length >= 16);
  await page.getByRole("button", { name: "Delete", exact: true }).click();
  await page.getByRole("group", { name: "Delete Page chat" }).getByRole("button", { name: "Delete account" }).click();
  await page.waitFor({ state: "detached" });
  step("a Facebook account's webhook verify token replaced by a new one");
  await admin.getByLabel("Service name").fill("Support");
  await admin.getByRole("group", { name: "Accounts" }).getByLabel("Shop chat").check();
  await admin.getByRole("button", { name: "Create service" }).click();
  await admin.getByText(/Support · priority 0/).waitFor();
  step("chat service Support created with the account");
  await look(admin, "2-admin");

  // The service's settings: it requires a skill, so only agents who have it are offered.
  await admin.getByRole("button", { name: "Settings" }).click();
  const settings = admin.getByRole("form", { name: "Settings of Support" });
  await settings.getByLabel("Required skills").fill("billing:2");
  await settings.getByLabel("Inactivity warning (s)").fill("600");
  await settings.getByRole("button", { name: "Save settings" }).click();
  await settings.waitFor({ state: "detached" });
  step("the service requires billing at level 2");

  // The scenario editor: the template, a broken exit, the problem on its block.
  await admin.getByRole("button", { name: "Edit scenario" }).click();
  await admin.getByRole("button", { name: "Start from the template" }).click();
  const firstBlock = admin.locator("li.block").first();
  await firstBlock.getByLabel("next leads to").selectOption("");
  await admin.getByRole("button", { name: "Save scenario" }).click();
  await admin.locator("li.block.invalid").first().getByRole("alert").waitFor();
  step("the scenario editor shows a validation problem on its block");
  await look(admin, "7-scenario-editor");
  await admin.getByRole("button", { name: "No scenario" }).click();
  await admin.getByText("Scenario removed").waitFor();
  await admin.getByRole("button", { name: "Close editor" }).click();

  // System messages: the account's own words for one event.
  await admin.getByRole("button", { name: "System messages" }).click();
  await admin.getByLabel("Mode of AGENT_JOINED", { exact: true }).selectOption("CUSTOM");
  await admin.getByLabel("Text of AGENT_JOINED", { exact: true }).fill("{agentName} is here for you, {customerName}.");
  await admin.getByLabel("Mode of CONVERSATION_CLOSED", { exact: true }).selectOption("DISABLED");
  await admin.getByRole("button", { name: "Save system messages" }).click();
  await admin.getByRole("status").filter({ hasText: "Saved." }).waitFor();
  step("AGENT_JOINED set to the account's own text, CONVERSATION_CLOSED disabled");
  await admin.getByLabel("Default text of TRANSFERRED").fill("Passing you to a colleague, {customerName}.");
  await admin.getByRole("button", { name: "Save default texts" }).click();
  await admin.getByRole("status").filter({ hasText: "Defaults saved." }).waitFor();
  step("the tenant's default text for TRANSFERRED changed");
  await look(admin, "8-system-messages");
  await admin.getByRole("button", { name: "Users and tokens" }).click();
  await admin.getByRole("heading", { name: "Tokens" }).waitFor();
  const agentRow = admin.getByRole("row", { name: /agent@example.com/ });
  await agentRow.getByLabel("Skills").fill("billing:3");
  await agentRow.getByRole("button", { name: "Save" }).click();
  // Read back from the server: leave the section and come back.
  await agentRow.getByRole("status").filter({ hasText: "saved" }).waitFor();
  await admin.getByRole("button", { name: "System messages" }).click();
  await admin.getByRole("button", { name: "Users and tokens" }).click();
  await until("the agent's skills saved", async () => (await admin.getByRole("row", { name: /agent@example.com/ }).getByLabel("Skills").inputValue()) === "billing:3");
  step("the agent has billing at level 3");
  await admin.getByLabel("For").selectOption({ label: "Pat agent" });
  await admin.getByLabel("Token name").fill("CI bot");
  await admin.getByRole("button", { name: "Create token" }).click();
  const shown = admin.getByRole("status").filter({ hasText: "shown once" });
  await shown.waitFor();
  const secret = (await shown.locator("code").innerText()).trim();
  const tokenRow = admin.getByRole("row", { name: /CI bot/ });
  if (secret.length < 20 || (await tokenRow.innerText()).includes(secret)) throw new Error("the new token is not shown once, or is listed in full");
  await look(admin, "9-users-tokens");
  await tokenRow.getByRole("button", { name: "Revoke" }).click();
  await tokenRow.getByText("revoked").waitFor();
  step("an API token created (shown once) and revoked");
  // The first sign-in's next step: a person added with an email and a password signs in.
  const users = admin.getByRole("region", { name: "Users" });
  await users.getByLabel("Name", { exact: true }).fill("Pat newbie");
  await users.getByLabel("Email").fill("newbie@example.com");
  await users.getByLabel("Password").fill("newbie-password-1234");
  await users.getByLabel("Role").selectOption("SUPERVISOR");
  await users.getByRole("button", { name: "Add user" }).click();
  await admin.getByRole("row", { name: /newbie@example.com/ }).waitFor();
  {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(consoleURL);
    await page.getByLabel("Email").fill("newbie@example.com");
    await page.getByLabel("Password").fill("newbie-password-1234");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByText("Pat newbie (supervisor)").waitFor();
    await context.close();
  }
  step("a user added in the console signs in with their email and password");

  // Agent: READY, the offer, the live message, a reply with a file.
  const agent = await signedIn("agent");
  await agent.getByRole("button", { name: "Ready", exact: true }).click();
  await agent.getByTestId("agent-state").filter({ hasText: "READY" }).waitFor();
  step("agent READY");
  const supervisor = await signedIn("supervisor");
  await supervisor.getByRole("heading", { name: "Live queue" }).waitFor();

  await call("POST", `/customer?sender=c1&name=${encodeURIComponent("Ada Customer")}&text=${encodeURIComponent("Hello, my invoice is wrong")}`);
  const offer = agent.locator("li.offer");
  await offer.waitFor();
  await offer.getByText("Ada Customer").waitFor();
  const countdown = offer.locator(".countdown");
  const firstLeft = parseInt(await countdown.innerText(), 10);
  if (!(firstLeft > 0 && firstLeft <= 30)) throw new Error(`the offer's countdown shows ${await countdown.innerText()}`);
  await until("the countdown to go down", async () => parseInt(await countdown.innerText(), 10) < firstLeft, 5000);
  const label = await countdown.getAttribute("aria-label");
  if (!/^\d+ seconds left$/.test(label ?? "")) throw new Error(`the countdown's label is ${label}`);
  step(`the offer reached the READY agent, its countdown going down from ${firstLeft}s`);
  await look(agent, "3-agent-offer");
  await offer.getByRole("button", { name: "Accept" }).click();
  await agent.getByTestId("message").filter({ hasText: "Hello, my invoice is wrong" }).waitFor();
  await call("POST", `/customer?sender=c1&name=${encodeURIComponent("Ada Customer")}&text=${encodeURIComponent("It says 120 EUR")}`);
  await agent.getByTestId("message").filter({ hasText: "It says 120 EUR" }).waitFor();
  step("accepted; the customer's messages arrive live");

  // The agent's connection drops; what the customer writes meanwhile arrives
  // once the console is back (resumed after the last cursor), once.
  await agent.evaluate(() => window.__cut(true));
  await agent.getByText("reconnecting").waitFor();
  await call("POST", `/customer?sender=c1&name=${encodeURIComponent("Ada Customer")}&text=${encodeURIComponent("Are you still there?")}`);
  await agent.evaluate(() => window.__cut(false));
  await agent.getByText("live", { exact: true }).waitFor();
  const missed = agent.getByTestId("message").filter({ hasText: "Are you still there?" });
  await missed.waitFor();
  // Events come in cursor order: a double of the missed message would come
  // before the next one.
  await call("POST", `/customer?sender=c1&name=${encodeURIComponent("Ada Customer")}&text=${encodeURIComponent("Hello again")}`);
  await agent.getByTestId("message").filter({ hasText: "Hello again" }).waitFor();
  if ((await missed.count()) !== 1) throw new Error(`the missed message shows ${await missed.count()} times`);
  step("after a dropped connection the missed message arrives once");

  const png = Buffer.from(
    // A 120×60 checkerboard, big enough to see inline.
    "iVBORw0KGgoAAAANSUhEUgAAAHgAAAA8CAIAAAAiz+n/AAAAkklEQVR42u3aMQ0AIBADwBeDJxQiBT9IwAE/0emSzh1ubFpj7jZnVRs97wACDRo0aNCgAYEGDRo0aNCAMtAQMz2gQYMGDRo0aECgQYMGDRo0oAw0ROsdaNCgQYMGBBo0aNCgQQMC7dcB0XoHGjQg0KBBgwYNGhBo0KBB+3VY7wCBBg0aNGjQgECDBg0aNGhAn3suG+jVmjHMnSIAAAAASUVORK5CYII=",
    "base64",
  );
  await agent.getByLabel("Reply").fill("Here is your invoice, corrected.");
  await agent.getByLabel("Attach files").setInputFiles({ name: "invoice.png", mimeType: "image/png", buffer: png });
  await agent.getByRole("button", { name: "Send" }).click();
  const mine = agent.getByTestId("message").filter({ hasText: "Here is your invoice" });
  await mine.waitFor();
  const reply = await until("the messenger to receive the reply", async () => {
    const r = await call("GET", "/replies");
    return (r ?? []).find((m) => m.Text.startsWith("Here is your invoice"));
  });
  if (!reply.Files?.[0]?.startsWith("invoice.png")) throw new Error(`reply without its file: ${JSON.stringify(reply)}`);
  const all = await call("GET", "/replies");
  if (!all.some((m) => m.Text === "Pat agent is here for you, Ada Customer.")) throw new Error(`no custom AGENT_JOINED: ${JSON.stringify(all)}`);
  step(`the messenger received the reply with ${reply.Files[0]} (and the contact center's own messages before it)`);
  // The image is shown inline, loaded from Switchboard's copy with the token.
  await until("the image inline", () => mine.locator("img.inline-image").evaluate((img) => img.complete && img.naturalWidth === 120).catch(() => false));
  await mine.locator('[data-status="SENT"], [data-status="DELIVERED"]').waitFor();
  await call("POST", `/delivered?text=${encodeURIComponent("Here is your invoice")}`);
  await mine.locator('[data-status="DELIVERED"]').waitFor();
  step("the delivery receipt shows as a tick");
  await call("POST", `/delivered?kind=read&text=${encodeURIComponent("Here is your invoice")}`);
  await mine.locator('[data-status="READ"]').waitFor();
  step("the read receipt shows as a read tick");
  await call("POST", `/customer?sender=c1&name=${encodeURIComponent("Ada Customer")}&text=${encodeURIComponent("My receipt")}&image=1`);
  const photo = agent.getByTestId("message").filter({ hasText: "My receipt" });
  await until("the customer's photo inline", () => photo.locator("img.inline-image").evaluate((img) => img.complete && img.naturalWidth === 64).catch(() => false));
  step("the customer's photo shows inline");
  await look(agent, "4-agent-conversation");

  // The admin's view of the account's health: it has received messages now.
  await admin.reload();
  await admin.getByRole("row", { name: /Shop chat/ }).getByText(/^in: (?!never)/).waitFor();
  await admin.getByRole("row", { name: /Shop chat/ }).getByText(/^out: (?!never)/).waitFor();
  step("the account's health shows when it last received and last sent a message");

  // Supervisor: the figures count the answered conversation; a second
  // customer waits while the agent is not ready, and the queue shows it.
  await supervisor.getByTestId("answered").filter({ hasText: "1" }).waitFor();
  const chart = (id) => supervisor.getByTestId(id).locator('svg[role="img"]');
  const chartSays = (id, re, what) => until(what, async () => re.test((await chart(id).getAttribute("aria-label")) ?? ""), 10000);
  await chartSays("chart-outcomes", /Support: 1 answered, 0 abandoned, 0 waiting or left/, "the outcomes chart to show the answered conversation");
  await chartSays("chart-channels", /CUSTOM: 1 conversations/, "the channels chart to show the custom messenger");
  await chartSays("chart-waits", /Support, average: \d+ (s|min) wait; Support, longest/, "the waits chart");
  await chartSays("chart-time", /1 in all/, "the time chart to count the conversation");
  await agent.getByRole("button", { name: "Not ready" }).click();
  await agent.getByTestId("agent-state").filter({ hasText: "NOT_READY" }).waitFor();
  await call("POST", `/customer?sender=c2&name=${encodeURIComponent("Bo Customer")}&text=${encodeURIComponent("Anyone there?")}`);
  await supervisor.getByTestId("waiting").filter({ hasText: "1" }).waitFor();
  await supervisor.getByTestId("entered").filter({ hasText: "2" }).waitFor();
  await supervisor.getByRole("row", { name: /Pat agent/ }).getByText("NOT_READY").waitFor();
  const longest = supervisor.getByTestId("longest-wait");
  const before = await longest.innerText();
  await until("the longest wait to grow", async () => (await longest.innerText()) !== before, 5000);
  await chartSays("chart-outcomes", /Support: 1 answered, 0 abandoned, 1 waiting or left/, "the outcomes chart to show the waiting customer");
  await chartSays("chart-time", /2 in all/, "the time chart to count both conversations");
  await chartSays("chart-channels", /CUSTOM: 2 conversations/, "the channels chart to count both");
  step(`the supervisor sees the waiting customer (waiting ${await longest.innerText()} and counting), the agent NOT_READY, and the figures and their charts change`);
  await supervisor.getByRole("combobox", { name: /Range/ }).selectOption("Custom range…");
  const ago = (h) => {
    const d = new Date(Date.now() - h * 3600e3);
    const p = (n) => String(n).padStart(2, "0");
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
  };
  await supervisor.getByLabel("From", { exact: true }).fill(ago(72));
  await supervisor.getByLabel("To", { exact: true }).fill(ago(48));
  await supervisor.getByTestId("entered").filter({ hasText: "0" }).waitFor();
  await chartSays("chart-time", /by hour: 24 points from .*, 0 in all/, "the time chart of an empty day, by hour");
  await supervisor.getByLabel("From", { exact: true }).fill(ago(1));
  await supervisor.getByLabel("To", { exact: true }).fill(ago(-1));
  await supervisor.getByTestId("entered").filter({ hasText: "2" }).waitFor();
  step("a custom range counts what happened in it");
  await look(supervisor, "5-supervisor");

  // The agent is READY again: Bo's offer arrives, and is still there after a reload.
  await agent.getByRole("button", { name: "Ready", exact: true }).click();
  await agent.locator("li.offer").getByText("Bo Customer").waitFor();
  await agent.reload();
  const boOffer = agent.locator("li.offer").filter({ hasText: "Bo Customer" });
  await boOffer.waitFor();
  step("a pending offer is still shown after a reload");
  // By keyboard: Tab through the page to the offer's Accept, then Enter.
  await agent.locator("body").click({ position: { x: 1, y: 1 } });
  await until("Tab to reach Accept", async () => {
    await agent.keyboard.press("Tab");
    return (await agent.evaluate(() => document.activeElement?.textContent)) === "Accept";
  }, 15000);
  await agent.keyboard.press("Enter");
  await agent.getByTestId("message").filter({ hasText: "Anyone there?" }).waitFor();
  step("the offer accepted by keyboard alone");
  // Bo goes to a colleague: the conversation leaves the agent's desk, and Bo is told.
  const colleague = await agent.locator("option", { hasText: "Pat supervisor" }).getAttribute("value");
  await agent.getByLabel("Transfer to").selectOption(colleague);
  await agent.getByRole("button", { name: "Transfer", exact: true }).click();
  const myList = agent.getByRole("region", { name: "My conversations" });
  await myList.getByText("Bo Customer").waitFor({ state: "detached" });
  await until("Bo to hear of the transfer", async () => (await call("GET", "/replies")).some((m) => m.Recipient === "c2" && m.Text === "Passing you to a colleague, Bo Customer."));
  step("transferred to a colleague; the customer was told in the tenant's default words");
  // Ada's chat is closed; when she writes again, her new conversation shows the old one.
  await myList.getByRole("button", { name: /Ada Customer/ }).click();
  await agent.getByRole("button", { name: "Close", exact: true }).click();
  await myList.getByText("Ada Customer").waitFor({ state: "detached" });
  const toAda = (await call("GET", "/replies")).filter((m) => m.Recipient === "c1").map((m) => m.Text);
  if (toAda.some((t) => /chat has ended/i.test(t))) throw new Error(`a DISABLED closing message was sent: ${JSON.stringify(toAda)}`);
  if (!toAda.some((t) => /number 1/.test(t))) throw new Error(`no DEFAULT queue message: ${JSON.stringify(toAda)}`);
  await call("POST", `/customer?sender=c1&name=${encodeURIComponent("Ada Customer")}&text=${encodeURIComponent("One more thing")}`);
  await agent.locator("li.offer").filter({ hasText: "Ada Customer" }).getByRole("button", { name: "Accept" }).click();
  await agent.getByTestId("message").filter({ hasText: "One more thing" }).waitFor();
  await agent.getByText("1 earlier conversation with this contact").click();
  await agent.locator("details.history li").filter({ hasText: "closed" }).waitFor();
  step("closed; the customer's next conversation shows the closed one as history");

  // A phone's width: the agent's desk still works.
  await agent.setViewportSize({ width: 390, height: 844 });
  const overflow = await agent.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  if (overflow > 0) throw new Error(`the agent's desk is ${overflow}px wider than a phone`);
  await agent.getByLabel("Reply").fill("typed on a phone");
  await look(agent, "6-agent-phone");
  step("the agent's desk fits a phone's width");
  for (const [name, page] of [["supervisor", supervisor], ["admin", admin]]) {
    await page.setViewportSize({ width: 390, height: 844 });
    const wide = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    if (wide > 0) throw new Error(`the ${name} page is ${wide}px wider than a phone`);
  }
  await look(supervisor, "11-supervisor-phone");
  step("the supervisor's and admin's pages fit a phone's width (wide tables scroll inside their panels)");
  // On the phone, back into the queue: Ada's chat leaves the desk and comes back as an offer.
  await agent.getByLabel("Transfer to").selectOption(await agent.locator("option", { hasText: "Support (queue)" }).getAttribute("value"));
  await agent.getByRole("button", { name: "Transfer", exact: true }).click();
  await myList.getByText("Ada Customer").waitFor({ state: "detached" });
  const again = agent.locator("li.offer").filter({ hasText: "Ada Customer" });
  await again.waitFor();
  step("transferred to the Support queue: the conversation left the desk and was offered again");
  // A rejected offer leaves the desk; the customer waits for someone else.
  await again.getByRole("button", { name: "Reject" }).click();
  await again.waitFor({ state: "detached" });
  await supervisor.getByTestId("waiting").filter({ hasText: "1" }).waitFor();
  step("an offer rejected: it left the desk and the customer waits in the queue");

  // An offer nobody answers expires: it leaves the desk, and the agent is NOT_READY.
  await admin.setViewportSize({ width: 1280, height: 900 });
  await admin.getByRole("button", { name: "Accounts and services" }).click();
  await admin.getByRole("button", { name: "Settings" }).click();
  const quick = admin.getByRole("form", { name: "Settings of Support" });
  await quick.getByLabel("Offer timeout (s)").fill("6");
  await quick.getByRole("button", { name: "Save settings" }).click();
  await quick.waitFor({ state: "detached" });
  await admin.getByText(/offers 6s/).waitFor();
  // Ada is not offered to the agent who just rejected her (for a while); Cy is.
  await call("POST", `/customer?sender=c3&name=${encodeURIComponent("Cy Customer")}&text=${encodeURIComponent("Hello?")}`);
  await agent.getByRole("button", { name: "Ready", exact: true }).click();
  const expiring = agent.locator("li.offer").filter({ hasText: "Cy Customer" });
  await expiring.waitFor();
  const left = parseInt(await expiring.locator(".countdown").innerText(), 10);
  if (!(left > 0 && left <= 6)) throw new Error(`a 6 s offer shows ${left}s left`);
  await expiring.waitFor({ state: "detached", timeout: 20000 });
  await agent.getByTestId("agent-state").filter({ hasText: "NOT_READY" }).waitFor();
  await supervisor.getByTestId("waiting").filter({ hasText: "2" }).waitFor();
  step(`an offer left unanswered (${left}s left when seen) expired: it left the desk, the agent is NOT_READY, the customer still waits`);

  // GraphiQL, from the same build, at "/": it loads and answers a query.
  {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    pages.push(["graphiql", page]);
    page.on("pageerror", (e) => errors.push(`graphiql: ${e.message}`));
    await page.goto(new URL("/", consoleURL).href);
    await page.locator(".graphiql-container").waitFor();
    // The run button works once the editors are up; on a busy machine that is
    // after the page shows, so it is pressed until a result comes.
    const result = page.locator(".result-window").getByText(/UNAUTHENTICATED|Bearer/).first();
    await until("GraphiQL to run the query", async () => {
      await page.getByRole("button", { name: /Execute query/i }).click();
      return result.waitFor({ timeout: 2000 }).then(() => true, () => false);
    }, 60000);
    step("GraphiQL loads from the binary and runs a query");
    await look(page, "10-graphiql");
    await context.close();
  }

  if (errors.length) throw new Error(`errors in the pages: ${errors.join("; ")}`);
  if (problems.length) throw new Error(`accessibility problems:\n${problems.join("\n")}`);
  console.log(`screenshots in ${shots}`);
} catch (err) {
  // What each page showed when it failed, for the person reading the log.
  for (const [name, page] of pages) await shot(page, `failed-${name}`).catch(() => {});
  throw err;
} finally {
  await browser.close();
}
