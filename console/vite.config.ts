// Builds the console into dist/, which the server embeds (build.rs) and serves on the console
// address. Everything is bundled: the page makes no request outside its own origin.
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

export default defineConfig({
  plugins: [react()],
  base: "/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // Nothing inlined as data: URLs beyond what the CSP allows (img-src data: only).
    assetsInlineLimit: 0,
    sourcemap: false,
    target: "es2022",
  },
  server: {
    // `npm run dev` against a running `govshare serve`: gRPC-Web calls go to its console address.
    proxy: {
      "/govshare.v1.": { target: "http://127.0.0.1:8080", changeOrigin: false },
    },
  },
});
