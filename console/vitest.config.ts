// Component and unit tests (npm test): the build's own Vite config (React
// plugin, JSX) with a browser-like DOM from jsdom. vite build does not read
// this file.
import { defineConfig, mergeConfig } from "vitest/config";
import viteConfig from "./vite.config.ts";

export default mergeConfig(
  viteConfig,
  defineConfig({
    test: {
      environment: "jsdom",
      include: ["src/**/*.test.{ts,tsx}"],
      setupFiles: ["src/testSetup.ts"],
      restoreMocks: true,
    },
  }),
);
