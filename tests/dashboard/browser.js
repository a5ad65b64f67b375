/* browser.js — the dashboard in a real headless Chromium (Debian's, driven by
 * playwright-core), against a live wattled that test_browser.c started and
 * filled with activity. It checks that what the page SHOWS equals what the
 * HTTP API returns at that moment: the height, each zone's latest clearing
 * price, the audit's height, a household's balance and a balance above 2^53
 * micro-U (which any page that parses JSON into doubles shows wrong), and the
 * best bid and ask of the order book; that the page raised no script error
 * and broke no Content-Security-Policy rule; that it fits a phone's width.
 * Screenshots go to --out-dir. Exit 0 when all holds, 1 on a wrong number,
 * 2 on a time-out.
 *
 * The oracle is independent of the page: API values are read from the raw
 * response text with exact BigInt arithmetic, shown values are parsed back
 * from the page's text, and "at that moment" means: read the API, make the
 * page finish one poll that started after that read, read the page, read
 * the API again; when both API reads agree the page must show exactly that
 * value (when they differ the ledger moved in between: read again).
 *
 * node browser.js --url URL --household ADDR --whale ADDR --zones a,b
 *   --book-zone Z --book-interval N --chromium PATH --out-dir DIR */
"use strict";

const fs = require("fs");
const os = require("os");
const path = require("path");
const { chromium } = require("playwright-core");

const TIME_LIMIT_MS = 150 * 1000;
const START = Date.now();

function args() {
  const a = {};
  const v = process.argv.slice(2);
  for (let i = 0; i < v.length; i += 2) {
    if (!v[i].startsWith("--") || v[i + 1] === undefined) throw new Error(`bad argument ${v[i]}`);
    a[v[i].slice(2)] = v[i + 1];
  }
  for (const k of ["url", "household", "whale", "zones", "chromium", "out-dir"])
    if (!a[k]) throw new Error(`--${k} is required`);
  return a;
}

const log = (...m) => console.log(`[${((Date.now() - START) / 1000).toFixed(1)} s]`, ...m);

/* ------------------------------------------------------------ the oracle */

let BASE = "";

async function apiText(p, opts) {
  const r = await fetch(BASE + p, opts);
  const text = await r.text();
  if (!r.ok && r.status !== 202) throw new Error(`${p}: HTTP ${r.status}: ${text}`);
  return text;
}

/* The integer after "key": in raw JSON text, exactly (the first one). */
function intIn(text, key) {
  const m = new RegExp(`"${key}":(-?[0-9]+)[,}]`).exec(text);
  if (m === null) throw new Error(`no integer "${key}" in ${text.slice(0, 200)}`);
  return BigInt(m[1]);
}

/* The newest clearing that traded, from /clearings (entries newest first):
 * its exact price, or null. */
function latestTradedPrice(text) {
  const re = /\{"interval":([0-9]+),"price_micro_per_kwh":(-?[0-9]+),"volume_mwh":([0-9]+),/g;
  for (let m; (m = re.exec(text)) !== null;) if (BigInt(m[3]) > 0n) return BigInt(m[2]);
  return null;
}

/* "1,234.567 U" -> 1234567000n at scale 6; null for "—"; throws on
 * anything else (a wrong unit, a rounded display with a different shape). */
function shownScaled(text, unit, scale) {
  const t = text.trim();
  if (t === "—") return null;
  const m = new RegExp(`^(-?)([0-9]{1,3}(?:,[0-9]{3})*)(?:\\.([0-9]{1,${scale}}))? ${unit}$`).exec(t);
  if (m === null) throw new Error(`the page shows '${t}', not a number of ${unit}`);
  const v = BigInt(m[2].replace(/,/g, "") + (m[3] || "").padEnd(scale, "0"));
  return m[1] === "-" ? -v : v;
}

function shownCount(text) {
  const t = text.trim();
  if (!/^[0-9]{1,3}(,[0-9]{3})*$/.test(t)) throw new Error(`the page shows '${t}', not a count`);
  return BigInt(t.replace(/,/g, ""));
}

/* ------------------------------------------------------------ the checks */

async function refresh(page) {
  await page.evaluate(() => window.wattleDashboard.refresh());
}

async function sameMoment(page, name, readApi, readPage) {
  for (let attempt = 1; attempt <= 12; attempt++) {
    const before = await readApi();
    await refresh(page);
    const shown = await readPage();
    const after = await readApi();
    if (before === after) {
      if (shown !== before)
        throw new WrongNumber(`${name}: the page shows ${shown}, the API returns ${before}`);
      log(`ok: ${name} = ${shown} on the page and in the API`);
      return shown;
    }
    log(`${name}: the API moved from ${before} to ${after} while reading; again (${attempt})`);
  }
  throw new Error(`${name}: the API kept changing`);
}

class WrongNumber extends Error {}

async function main() {
  const a = args();
  BASE = a.url;
  const outDir = a["out-dir"];
  fs.mkdirSync(outDir, { recursive: true });
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "wattle-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: a.chromium,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    viewport: { width: 1280, height: 900 },
    timeout: 60000,
  });
  const problems = [];
  try {
    const page = context.pages()[0] || (await context.newPage());
    page.setDefaultTimeout(20000);
    page.on("pageerror", (e) => problems.push(`script error: ${e.message}`));
    page.on("console", (m) => {
      if (m.type() === "error" || /Content Security Policy|Refused to/.test(m.text()))
        problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()} ${r.failure() && r.failure().errorText}`));
    page.on("request", (r) => {
      if (!r.url().startsWith(BASE)) problems.push(`a request outside the daemon: ${r.url()}`);
    });

    /* an audit to show: ask for one now and wait for it */
    await apiText("/v1/audit", { method: "POST" });
    for (let i = 0; ; i++) {
      const t = await apiText("/v1/audit");
      if (intIn(t, "runs") >= 1n && t.includes('"state":"idle"')) break;
      if (i > 300) throw new Error("the audit did not finish");
      await new Promise((r) => setTimeout(r, 100));
    }

    await page.goto(BASE + "/", { waitUntil: "load" });
    await page.waitForFunction(() => Number(document.documentElement.dataset.polls || 0) >= 1);
    const title = await page.title();
    if (!/wattle/.test(title)) throw new WrongNumber(`title is '${title}'`);

    /* the height: /v1/chain (the page reads /v1/stats) */
    await sameMoment(page, "height",
      async () => intIn(await apiText("/v1/chain"), "height"),
      async () => shownCount(await page.textContent("#height")));

    /* each zone's latest clearing price (the newest interval that traded) */
    let priced = 0;
    for (const zone of a.zones.split(",")) {
      const p = await sameMoment(page, `latest clearing price in ${zone}`,
        async () => latestTradedPrice(await apiText(`/v1/markets/${zone}/clearings?limit=1024`)),
        async () => shownScaled(await page.textContent(`#price-${zone}`), "U/kWh", 6));
      if (p !== null) priced++;
    }
    if (priced === 0) throw new WrongNumber("no zone cleared at a price: the activity did not trade");

    /* the audit: ok, up to the height the API reports */
    await sameMoment(page, "audited height",
      async () => intIn(await apiText("/v1/audit"), "height"),
      async () => {
        const result = (await page.textContent("#audit-result")).trim();
        if (result !== "ok") throw new WrongNumber(`the audit shows '${result}'`);
        const m = /up to height ([0-9]{1,3}(?:,[0-9]{3})*)/.exec(await page.textContent("#audit-sub"));
        if (m === null) throw new WrongNumber("the audit's height is not shown");
        return shownCount(m[1]);
      });

    /* the order book of the zone with explicit orders, once their interval is open */
    if (a["book-zone"]) {
      const zone = a["book-zone"], interval = BigInt(a["book-interval"]);
      for (;;) {
        const next = intIn(await apiText("/v1/stats"), "next_interval");
        if (next >= interval) break;
        if (Date.now() - START > TIME_LIMIT_MS - 40000) throw new Error("the orders' interval did not open in time");
        await new Promise((r) => setTimeout(r, 200));
      }
      const best = (text, side) => {
        const m = new RegExp(`"${side}":\\[\\{"price_micro_per_kwh":([0-9]+),"energy_mwh":([0-9]+)\\}`).exec(text);
        return m === null ? "none" : `${m[1]} @ ${m[2]}`;
      };
      const shownBest = async (side) => {
        const row = await page.$(`#${side}-${zone} .level`);
        if (row === null) return "none";
        const spans = await row.$$eval("span", (s) => s.map((x) => x.textContent));
        return `${shownScaled(spans[0], "U/kWh", 6)} @ ${shownScaled(spans[1], "kWh", 6)}`;
      };
      for (const side of ["bids", "asks"])
        await sameMoment(page, `best ${side.slice(0, -1)} in ${zone} (price @ mWh)`,
          async () => best(await apiText(`/v1/markets/${zone}/book`), side),
          async () => shownBest(side));
      await page.screenshot({ path: path.join(outDir, "dashboard.png"), fullPage: true });
      log(`screenshot ${path.join(outDir, "dashboard.png")}`);
    } else {
      await page.screenshot({ path: path.join(outDir, "dashboard.png"), fullPage: true });
    }

    /* a phone: one column, nothing wider than the screen */
    await page.setViewportSize({ width: 390, height: 844 });
    await refresh(page);
    await page.screenshot({ path: path.join(outDir, "dashboard-phone.png"), fullPage: true });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    if (overflow > 1) throw new WrongNumber(`on a 390 px wide phone the page is ${overflow} px too wide`);
    log("ok: fits a 390 px phone screen");
    await page.setViewportSize({ width: 1280, height: 900 });

    /* a household's account page, then an amount no double can hold */
    for (const [who, addr] of [["household", a.household], ["whale (2^53 + 1 micro-U)", a.whale]]) {
      await page.goto(`${BASE}/#/account/${addr}`);
      await refresh(page);
      await sameMoment(page, `balance of the ${who}`,
        async () => intIn(await apiText(`/v1/accounts/${addr}`), "balance_micro"),
        async () => shownScaled(await page.textContent("#acct-balance"), "U", 6));
      if (who === "household")
        await sameMoment(page, "energy sold by the household (mWh)",
          async () => intIn(await apiText(`/v1/accounts/${addr}/settlements?limit=0`), "sold_p2p_mwh"),
          async () => {
            const t = await page.textContent("#acct-energy-net");
            return shownScaled(t.split(" / ")[1], "kWh", 6);
          });
      if (who === "household") {
        await page.screenshot({ path: path.join(outDir, "dashboard-account.png"), fullPage: true });
      }
    }
    if (problems.length > 0) throw new WrongNumber("the page had problems:\n  " + problems.join("\n  "));
    log("all checks hold");
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

const timer = setTimeout(() => {
  console.error(`browser.js: gave up after ${TIME_LIMIT_MS / 1000} s`);
  process.exit(2);
}, TIME_LIMIT_MS);
main().then(
  () => {
    clearTimeout(timer);
    process.exit(0);
  },
  (e) => {
    console.error(`browser.js: FAILED: ${e instanceof WrongNumber ? "" : "(error) "}${e.message}`);
    process.exit(1);
  });
