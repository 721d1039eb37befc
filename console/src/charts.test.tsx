/**
 * Protects the supervisor's charts (charts.tsx and Supervisor's Charts): each
 * is an image whose text alternative says every value it draws; bars are as
 * long as their values against the longest (or a given maximum); the
 * figures of each service become the outcome, wait, satisfaction and channel
 * charts; the services' series add up point by point into the time chart,
 * whose table lists every point; and new figures redraw them.
 */
import { describe, expect, it } from "vitest";
import { render, screen, within } from "@testing-library/react";
import { BarChart, TimeChart, describeBars } from "./charts";
import { Charts } from "./pages/Supervisor";

describe("BarChart", () => {
  const rows = [
    { label: "Billing", segments: [{ name: "answered", value: 3, className: "a" }, { name: "abandoned", value: 1, className: "b" }] },
    { label: "Sales", segments: [{ name: "answered", value: 2, className: "a" }, { name: "abandoned", value: 0, className: "b" }] },
  ];

  it("is an image whose label says every value", () => {
    render(<BarChart title="Outcomes" rows={rows} />);
    expect(screen.getByRole("img").getAttribute("aria-label")).toBe("Outcomes: Billing: 3 answered, 1 abandoned; Sales: 2 answered, 0 abandoned");
    expect(screen.getByText("Outcomes").tagName).toBe("FIGCAPTION");
  });

  it("draws bars in proportion, the longest row filling the plot", () => {
    const { container } = render(<BarChart title="Outcomes" rows={rows} />);
    const widths = [...container.querySelectorAll("rect[data-value]")].map((r) => Number(r.getAttribute("width")));
    // Billing's 3 + 1 fill the plot (270 wide); Sales' 2 is half of it.
    expect(widths[0] + widths[1]).toBeCloseTo(270);
    expect(widths[0]).toBeCloseTo(202.5);
    expect(widths[2]).toBeCloseTo(135);
    expect(widths[3]).toBe(0);
  });

  it("scales to a given maximum and formats values", () => {
    const { container } = render(<BarChart title="Satisfaction" rows={[{ label: "Billing", segments: [{ name: "of 5", value: 2.5, className: "r" }] }]} max={5} format={(v) => v.toFixed(1)} />);
    expect(Number(container.querySelector("rect")!.getAttribute("width"))).toBeCloseTo(135);
    expect(screen.getByRole("img").getAttribute("aria-label")).toBe("Satisfaction: Billing: 2.5 of 5");
  });

  it("says when there is nothing", () => {
    render(<BarChart title="Waits" rows={[]} />);
    expect(screen.getByRole("img").getAttribute("aria-label")).toBe("Waits: no data");
    expect(screen.getByText("Nothing in this range.")).toBeTruthy();
    expect(describeBars([])).toBe("no data");
  });
});

describe("TimeChart", () => {
  it("draws a column per point and lists every point in its table", () => {
    const points = ["2026-11-01T09:00:00Z", "2026-11-01T10:00:00Z", "2026-11-01T11:00:00Z"].map((from, i) => ({
      from,
      segments: [{ name: "answered", value: i, className: "a" }],
    }));
    const { container } = render(<TimeChart title="Over time" points={points} label={(iso) => iso.slice(11, 16)} />);
    expect(screen.getByRole("img").getAttribute("aria-label")).toBe("Over time: 3 points from 09:00, 3 in all, most at 11:00 (2). The table below lists every point.");
    const heights = [...container.querySelectorAll("rect[data-value]")].map((r) => Number(r.getAttribute("height")));
    expect(heights[0]).toBe(0);
    expect(heights[2]).toBeCloseTo(2 * heights[1]);
    const rows = within(screen.getByRole("table")).getAllByRole("row");
    expect(rows.map((r) => r.textContent)).toEqual(["Fromanswered", "09:000", "10:001", "11:002"]);
  });
});

describe("the supervisor's charts", () => {
  const stat = (name: string, over: Partial<Parameters<typeof Charts>[0]["stats"][number]> = {}) => ({
    serviceId: name,
    name,
    entered: 0,
    answered: 0,
    abandoned: 0,
    averageWaitSeconds: null,
    longestWaitSeconds: null,
    handled: 0,
    averageHandleSeconds: null,
    waitingNow: 0,
    averageRating: null,
    ratings: 0,
    channels: [],
    series: [],
    ...over,
  });
  const label = (id: string) => screen.getByTestId(id).querySelector("svg")!.getAttribute("aria-label");

  it("turns each service's figures into charts, and redraws them when the figures change", () => {
    const before = [
      stat("Billing", {
        entered: 4,
        answered: 2,
        abandoned: 1,
        averageWaitSeconds: 30,
        longestWaitSeconds: 90,
        averageRating: 4.5,
        ratings: 2,
        channels: [{ channel: "TELEGRAM", conversations: 3 }, { channel: "CUSTOM", conversations: 1 }],
        series: [
          { from: "2026-11-01T09:00:00Z", entered: 3, answered: 2, abandoned: 1 },
          { from: "2026-11-01T10:00:00Z", entered: 1, answered: 0, abandoned: 0 },
        ],
      }),
      stat("Sales", {
        entered: 1,
        answered: 1,
        averageWaitSeconds: 5,
        longestWaitSeconds: 5,
        channels: [{ channel: "TELEGRAM", conversations: 1 }],
        series: [
          { from: "2026-11-01T09:00:00Z", entered: 0, answered: 0, abandoned: 0 },
          { from: "2026-11-01T10:00:00Z", entered: 1, answered: 1, abandoned: 0 },
        ],
      }),
    ];
    const { rerender } = render(<Charts stats={before} bucket="HOUR" />);
    expect(label("chart-outcomes")).toContain("Billing: 2 answered, 1 abandoned, 1 waiting or left; Sales: 1 answered, 0 abandoned, 0 waiting or left");
    expect(label("chart-waits")).toContain("Billing, average: 30 s wait; Billing, longest: 2 min wait; Sales, average: 5 s wait");
    expect(label("chart-ratings")).toBe("Satisfaction by service (1 to 5; answers in brackets): Billing (2): 4.5 of 5");
    expect(label("chart-channels")).toContain("TELEGRAM: 4 conversations; CUSTOM: 1 conversations");
    // The two services' hours added up: 3 then 2 conversations.
    expect(label("chart-time")).toContain("2 points from");
    expect(label("chart-time")).toContain("5 in all");
    const table = within(screen.getByTestId("chart-time")).getByRole("table");
    expect(within(table).getAllByRole("row").slice(1).map((r) => [...r.querySelectorAll("td")].map((c) => c.textContent))).toEqual([
      ["2", "1", "0"],
      ["1", "0", "1"],
    ]);

    rerender(<Charts stats={[stat("Billing", { entered: 5, answered: 3, abandoned: 1 }), before[1]]} bucket="DAY" />);
    expect(label("chart-outcomes")).toContain("Billing: 3 answered, 1 abandoned, 1 waiting or left");
    expect(screen.getByText(/All services over the range, by day/)).toBeTruthy();
  });
});
