/**
 * Protects the sign-in page: its fields are labelled (found by their labels,
 * as screen readers and the e2e test find them), a refused login shows the
 * server's message and keeps the user out, an unreachable server says so,
 * a login keeps its session token and signs in, and an API token is kept
 * (trimmed, not as a session) without asking the server. Only the network
 * call (request from ../api) is a fake; the token goes to the real
 * setToken, so these tests see it in localStorage as the next page load would.
 */
import { beforeEach, describe, expect, it, vi } from "vitest";
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { ApiError, getToken, isSession, request } from "../api";
import { SignIn } from "./SignIn";

vi.mock("../api", async (importOriginal) => ({ ...(await importOriginal<typeof import("../api")>()), request: vi.fn() }));

const login = vi.mocked(request);

beforeEach(() => {
  login.mockReset();
});

function renderSignIn() {
  const onSignedIn = vi.fn();
  render(<SignIn onSignedIn={onSignedIn} />);
  return { onSignedIn, user: userEvent.setup() };
}

describe("SignIn", () => {
  it("labels every field", () => {
    renderSignIn();
    const signIn = screen.getByRole("form", { name: "Sign in" });
    const email = screen.getByLabelText("Email");
    const password = screen.getByLabelText("Password");
    expect(signIn.contains(email) && signIn.contains(password)).toBe(true);
    expect(email).toHaveProperty("type", "email");
    expect(password).toHaveProperty("type", "password");
    const byToken = screen.getByRole("form", { name: "Or use an API token" });
    expect(byToken.contains(screen.getByLabelText("API token"))).toBe(true);
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("signs in with email and password and keeps the session token", async () => {
    login.mockResolvedValue({ login: { token: "session-token", expiresAt: "2030-01-01T00:00:00Z" } });
    const { onSignedIn, user } = renderSignIn();
    await user.type(screen.getByLabelText("Email"), "ada@example.com");
    await user.type(screen.getByLabelText("Password"), " correct horse ");
    await user.click(screen.getByRole("button", { name: "Sign in" }));

    expect(login).toHaveBeenCalledTimes(1);
    // The password goes as typed, spaces and all.
    expect(login.mock.calls[0][1]).toEqual({ email: "ada@example.com", password: " correct horse " });
    expect(onSignedIn).toHaveBeenCalledTimes(1);
    expect(getToken()).toBe("session-token");
    expect(isSession()).toBe(true);
  });

  it("shows the server's message when the login is refused, and stays signed out", async () => {
    login.mockRejectedValue(new ApiError("Wrong email or password.", "UNAUTHENTICATED"));
    const { onSignedIn, user } = renderSignIn();
    await user.type(screen.getByLabelText("Email"), "ada@example.com");
    await user.type(screen.getByLabelText("Password"), "wrong");
    await user.click(screen.getByRole("button", { name: "Sign in" }));

    expect((await screen.findByRole("alert")).textContent).toBe("Wrong email or password.");
    expect(onSignedIn).not.toHaveBeenCalled();
    expect(getToken()).toBeNull();

    // Trying again clears the old message.
    login.mockResolvedValue({ login: { token: "t", expiresAt: "2030-01-01T00:00:00Z" } });
    await user.click(screen.getByRole("button", { name: "Sign in" }));
    expect(onSignedIn).toHaveBeenCalledTimes(1);
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("says when the server cannot be reached", async () => {
    login.mockRejectedValue(new TypeError("Failed to fetch"));
    const { onSignedIn, user } = renderSignIn();
    await user.type(screen.getByLabelText("Email"), "ada@example.com");
    await user.type(screen.getByLabelText("Password"), "pw");
    await user.click(screen.getByRole("button", { name: "Sign in" }));

    expect((await screen.findByRole("alert")).textContent).toBe("The server could not be reached.");
    expect(onSignedIn).not.toHaveBeenCalled();
  });

  it("does not send the login without an email and password", async () => {
    const { user } = renderSignIn();
    await user.click(screen.getByRole("button", { name: "Sign in" }));
    await user.type(screen.getByLabelText("Email"), "ada@example.com");
    await user.click(screen.getByRole("button", { name: "Sign in" }));
    expect(login).not.toHaveBeenCalled();
  });

  it("keeps an API token, trimmed and not as a session, without a request", async () => {
    const { onSignedIn, user } = renderSignIn();
    await user.type(screen.getByLabelText("API token"), "  sbt_abc123  ");
    await user.click(screen.getByRole("button", { name: "Use token" }));

    expect(getToken()).toBe("sbt_abc123");
    expect(isSession()).toBe(false);
    expect(onSignedIn).toHaveBeenCalledTimes(1);
    expect(login).not.toHaveBeenCalled();
  });
});
