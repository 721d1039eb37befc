import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// The console is served by the Switchboard binary at /console/ (embedded from
// dist/), so its assets are addressed under that path.
export default defineConfig({
  base: "/console/",
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true, sourcemap: false },
  server: { proxy: { "/query": { target: "http://127.0.0.1:8080", ws: true }, "/media": "http://127.0.0.1:8080" } },
});
