/**
 * Protects the small pieces every page shares (components.tsx): an error is
 * announced to screen readers and nothing is shown without one; a delivery
 * tick names its status for screen readers; an image from the media endpoint
 * is fetched from the console's own origin with the signed-in user's token
 * (the alt text standing in while it loads or when it fails); a countdown
 * ticks down to zero and no further. fetch is a fake: no server is reached.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { act, render, renderHook, screen, waitFor } from "@testing-library/react";
import { AuthImage, ErrorNote, Tick, errorText, useCountdown } from "./components";
import { ApiError, setToken } from "./api";

afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe("ErrorNote", () => {
  it("announces an error", () => {
    render(<ErrorNote error="Name is taken." />);
    expect(screen.getByRole("alert").textContent).toBe("Name is taken.");
  });

  it("shows nothing without one", () => {
    const { container } = render(<ErrorNote error="" />);
    expect(screen.queryByRole("alert")).toBeNull();
    expect(container.innerHTML).toBe("");
  });
});

describe("errorText", () => {
  it("gives an error's message, or the thrown value as text", () => {
    expect(errorText(new ApiError("Not allowed.", "FORBIDDEN"))).toBe("Not allowed.");
    expect(errorText(new Error("boom"))).toBe("boom");
    expect(errorText("plain")).toBe("plain");
  });
});

describe("Tick", () => {
  it.each([
    ["QUEUED", "queued", "…"],
    ["SENT", "sent", "✓"],
    ["DELIVERED", "delivered", "✓✓"],
    ["READ", "read", "✓✓"],
    ["FAILED", "failed", "!"],
  ])("names %s for screen readers", (status, label, mark) => {
    render(<Tick status={status} />);
    const tick = screen.getByLabelText(label);
    expect(tick.textContent).toBe(mark);
    expect(tick.getAttribute("title")).toBe(label);
  });

  it("names a status it does not know by the status itself", () => {
    render(<Tick status="BOUNCED" />);
    expect(screen.getByLabelText("bounced").textContent).toBe("");
  });
});

describe("AuthImage", () => {
  let created: Blob[];

  beforeEach(() => {
    created = [];
    // jsdom has no object URLs.
    vi.stubGlobal(
      "URL",
      Object.assign(class extends URL {}, {
        createObjectURL: (b: Blob) => {
          created.push(b);
          return `blob:test/${created.length}`;
        },
        revokeObjectURL: vi.fn(),
      }),
    );
  });

  it("fetches from the console's origin with the token and shows the image", async () => {
    setToken("tok-1");
    const fetchMock = vi.fn(async () => ({ ok: true, blob: async () => new Blob(["png"]) }));
    vi.stubGlobal("fetch", fetchMock);
    render(<AuthImage src="https://public.example.com/media/m1?size=large" alt="photo.png" />);

    // The alt text stands in until the image is there.
    expect(screen.getByText("photo.png").tagName).toBe("SPAN");
    const img = await screen.findByRole("img", { name: "photo.png" });
    expect(img.getAttribute("src")).toBe("blob:test/1");
    expect(fetchMock).toHaveBeenCalledTimes(1);
    const [url, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe("/media/m1?size=large");
    expect(init.headers).toEqual({ Authorization: "Bearer tok-1" });
  });

  it("keeps the alt text when the server refuses the image", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async () => ({ ok: false, status: 403, blob: async () => new Blob(["Forbidden"]) })),
    );
    render(<AuthImage src="/media/m2" alt="secret.png" />);
    await waitFor(() => expect(vi.mocked(fetch)).toHaveBeenCalled());
    await act(async () => {});
    expect(screen.queryByRole("img")).toBeNull();
    expect(screen.getByText("secret.png")).toBeTruthy();
  });
});

describe("useCountdown", () => {
  it("counts the seconds left down to zero", () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date("2030-01-01T00:00:00Z"));
    const { result } = renderHook(() => useCountdown("2030-01-01T00:00:03Z"));
    expect(result.current).toBe(3);
    act(() => vi.advanceTimersByTime(1500));
    expect(result.current).toBe(2);
    act(() => vi.advanceTimersByTime(10_000));
    expect(result.current).toBe(0);
  });
});
