// Runs before every test file (vitest.config.ts): each test starts with an
// empty page and no stored token, whatever the test before it left behind.
import { cleanup } from "@testing-library/react";
import { afterEach } from "vitest";

afterEach(() => {
  cleanup();
  localStorage.clear();
});
