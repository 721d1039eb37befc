import { resolve } from "node:path";
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// The console is served by the Switchboard binary at /console/ (embedded from
// dist/), so its assets are addressed under that path. GraphiQL is a second
// page of the same build (graphiql.html), which the binary serves at "/".
export default defineConfig({
  base: "/console/",
  plugins: [react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 4096,
    // The bundled packages' licenses, in dist/.vite/license.md.
    license: true,
    rollupOptions: {
      input: { console: resolve(import.meta.dirname, "index.html"), graphiql: resolve(import.meta.dirname, "graphiql.html") },
    },
  },
  server: { proxy: { "/query": { target: "http://127.0.0.1:8080", ws: true }, "/media": "http://127.0.0.1:8080" } },
});
