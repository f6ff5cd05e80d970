/// <reference types="vitest/config" />
// The designer's build (frontend/ -> frontend/dist, served by Django under /static/) and its unit tests.
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

export default defineConfig({
  root: "frontend",
  base: "/static/",
  plugins: [react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    chunkSizeWarningLimit: 2000,
  },
  test: {
    root: "frontend",
    environment: "jsdom",
    globals: true, // testing-library cleans up after each test by itself
    include: ["src/**/*.test.{ts,tsx}"],
    setupFiles: ["src/test-setup.ts"],
    css: false,
  },
});
