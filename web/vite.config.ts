import { fileURLToPath } from "node:url";

import { defineConfig } from "vite";

/** The playground: a static site built from web/, importing core and landscape from ../src. */
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  // Relative asset paths, so the built site works from any folder or URL prefix.
  base: "./",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // Two pages: the playground and the tour's scenes.
    rolldownOptions: {
      input: {
        playground: fileURLToPath(new URL("index.html", import.meta.url)),
        tour: fileURLToPath(new URL("tour.html", import.meta.url)),
      },
    },
    // mathjs makes a 650 kB chunk on its own; it loads only when a custom function is used.
    chunkSizeWarningLimit: 700,
  },
  server: {
    host: "127.0.0.1",
  },
});
