// Headless Chromium for the console's end-to-end test, driven by playwright-core: one browser,
// a 1366×768 page per user, every request checked to stay on the console's origin, and
// screenshots kept as test artifacts.
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

/** What the Rust test passes in the environment. */
export function settings() {
  const need = (name) => {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is not set (the test in tests/console_e2e.rs sets it)`);
    return value;
  };
  return {
    url: need("GOVSHARE_CONSOLE_URL"),
    chromium: process.env.GOVSHARE_CHROMIUM || "/usr/bin/chromium",
    artifacts: need("GOVSHARE_E2E_ARTIFACTS"),
    tokens: {
      admin: need("GOVSHARE_E2E_ADMIN_TOKEN"),
      provider: need("GOVSHARE_E2E_PROVIDER_TOKEN"),
      consumer: need("GOVSHARE_E2E_CONSUMER_TOKEN"),
    },
  };
}

export async function launch(config) {
  mkdirSync(config.artifacts, { recursive: true });
  const browser = await chromium.launch({
    executablePath: config.chromium,
    headless: true,
    // The machine has no outside network: background connections only fail, and slowly.
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  const origin = new URL(config.url).origin;
  const foreign = [];
  const consoleErrors = [];
  let shots = 0;
  const pages = [];

  /** A fresh browser context (no shared storage) with a 1366×768 page. */
  async function page(lang = "zh-CN") {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: lang });
    const p = await context.newPage();
    p.setDefaultTimeout(15_000);
    p.on("request", (r) => {
      const u = r.url();
      if (!u.startsWith(origin) && !u.startsWith("data:")) foreign.push(u);
    });
    p.on("pageerror", (e) => consoleErrors.push(String(e)));
    await p.goto(config.url);
    pages.push(p);
    return p;
  }

  /** Saves a full-page screenshot as NN-name.png in the artifacts directory. */
  async function shot(p, name) {
    shots += 1;
    const file = join(config.artifacts, `${String(shots).padStart(2, "0")}-${name}.png`);
    await p.screenshot({ path: file, fullPage: true });
    return file;
  }

  /** Screenshots of every open page, after a failure. */
  async function failed() {
    for (const [i, p] of pages.entries()) {
      await shot(p, `failure-page-${i + 1}`).catch(() => {});
    }
  }

  return { browser, page, shot, failed, foreign, consoleErrors };
}

/** Checks `condition`, failing with `message`. */
export function expect(condition, message) {
  if (!condition) throw new Error(`expectation failed: ${message}`);
}
