/* app.js — the wattle dashboard: polls wattled's JSON API (same origin) and
 * draws the market, the ledger, the operator's figures and an account.
 *
 * Why polling and not server-sent events: the market changes once per
 * interval (seconds), so a poll every 2 s is as live as it gets; it reuses
 * the plain GET endpoints (which any client can use and test), holds no
 * connection per viewer on wattled's few HTTP threads, survives proxies and
 * daemon restarts without reconnect logic, and costs one small /v1/stats
 * request per poll when nothing changed (the rest is fetched only when the
 * ledger moved). It stops while the tab is hidden.
 *
 * Every number comes from the API's integers through WattleExact (exact.js):
 * no amount passes through a double on its way to the screen. Text from the
 * ledger (memos, names) is only ever set as textContent. */
"use strict";

(() => {
  const X = WattleExact;
  const POLL_MS = 2000;
  const HOUR_MS = 3600 * 1000;
  const BLOCKS_SHOWN = 10;
  const TXS_SHOWN = 12;
  const KEPT_MAX = 1024; /* clearings the daemon keeps (limit of /clearings) */

  const $ = (id) => document.getElementById(id);
  const state = {
    chain: null,
    zones: [],
    clearings: new Map(), /* zone name -> Map(interval string -> clearing) */
    books: new Map(),
    lastSeq: null,
    lastHeight: null,
    stats: null,
    polls: 0,
    account: null, /* the address shown, or null */
    txCache: new Map(), /* txid -> tx JSON (committed transactions never change) */
    timer: null,
    inflight: false,
    waiters: [],
  };

  /* ------------------------------------------------------------ fetch */

  class ApiError extends Error {
    constructor(status, body) {
      const e = body && body.error ? body.error : null;
      super(e ? `${e.code}: ${e.message}` : `HTTP ${status}`);
      this.status = status;
      this.code = e ? e.code : null;
    }
  }

  async function api(path, opts) {
    const r = await fetch(path, Object.assign({ headers: { Accept: "application/json" }, cache: "no-store" }, opts));
    const text = await r.text();
    let body = null;
    try {
      body = X.parse(text);
    } catch (e) {
      throw new ApiError(r.status, null);
    }
    if (!r.ok) throw new ApiError(r.status, body);
    return body;
  }

  /* ------------------------------------------------------------ helpers */

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") e.className = v;
      else if (k === "text") e.textContent = v;
      else e.setAttribute(k, v);
    }
    for (const c of children) if (c !== null && c !== undefined) e.append(c);
    return e;
  }

  function setText(id, text, cls) {
    const e = $(id);
    e.textContent = text;
    if (cls !== undefined) e.className = "value " + cls;
  }

  function replaceRows(tbody, rows) {
    tbody.replaceChildren(...rows);
  }

  const num = (v) => Number(v); /* for drawing only: pixels, never shown */
  const shortHex = (h) => (h ? h.slice(0, 12) + "…" : "—");
  const shortAddr = (a) => (a ? a.slice(0, 9) + "…" + a.slice(-6) : "—");

  function timeText(ms) {
    const t = X.big(ms);
    if (t === null) return "—";
    return new Date(Number(t)).toLocaleTimeString([], { hour12: false });
  }

  function ago(ms, now) {
    const t = X.big(ms), n = X.big(now);
    if (t === null || n === null) return "";
    const s = Number((n - t) / 1000n);
    if (s < 60) return `${s} s ago`;
    if (s < 3600) return `${Math.floor(s / 60)} min ago`;
    return `${Math.floor(s / 3600)} h ago`;
  }

  function addrLink(a, shorten) {
    if (!a) return document.createTextNode("—");
    const link = el("a", { href: "#/account/" + a, class: "mono", title: a, text: shorten ? shortAddr(a) : a });
    return link;
  }

  function zoneName(index) {
    const z = state.zones.find((zz) => zz.index === X.big(index));
    return z ? z.name : String(index);
  }

  /* What a transaction moves, as a short text. */
  function txAmount(tx) {
    if (!tx) return "";
    switch (tx.type) {
      case "transfer":
      case "mint":
      case "burn":
        return X.coin(tx.amount_micro);
      case "order":
        return `${tx.side} ${X.energy(tx.energy_mwh)} @ ${X.price(tx.price_micro_per_kwh)} in ${zoneName(tx.zone)}`;
      case "standing": {
        const parts = [];
        if (tx.sell_min_micro_per_kwh !== null) parts.push("sell ≥ " + X.price(tx.sell_min_micro_per_kwh));
        if (tx.buy_max_micro_per_kwh !== null) parts.push("buy ≤ " + X.price(tx.buy_max_micro_per_kwh));
        return parts.join(", ");
      }
      case "readings":
        return `${X.count(tx.count)} meters, interval ${tx.interval}`;
      case "settle":
        return `${X.count(tx.count)} legs, interval ${tx.interval}`;
      case "register":
        return tx.kind + (tx.name ? ` “${tx.name}”` : tx.meter_id ? ` ${tx.meter_id}` : "");
      default:
        return "";
    }
  }

  function showBanner(text) {
    const b = $("banner");
    b.hidden = text === null;
    if (text !== null) b.textContent = text;
  }

  /* ------------------------------------------------------------ market */

  function zoneCard(z) {
    const name = z.name;
    const card = el("section", { class: "card", id: "zone-" + name });
    const head = el("div", { class: "zone-head" },
      el("h2", null, name, z.parent !== null ? el("span", { class: "muted", text: " in " + zoneName(z.parent) }) : el("span", { class: "muted", text: " (root)" })),
      el("div", { class: "zone-price", id: "price-" + name, text: "…" }),
      el("div", { class: "muted", id: "price-sub-" + name }));
    const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("class", "chart");
    svg.setAttribute("id", "chart-" + name);
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", `clearing price and volume in ${name}, last hour`);
    const legend = el("div", { class: "legend" },
      el("span", null, el("span", { class: "swatch price" }), "price (U/kWh)"),
      el("span", null, el("span", { class: "swatch vol" }), "volume (kWh)"),
      el("span", { id: "chart-note-" + name }));
    const book = el("div", { class: "book" },
      el("div", { class: "bids" }, el("h3", { text: "Bids (buy)" }), el("div", { id: "bids-" + name })),
      el("div", { class: "asks" }, el("h3", { text: "Asks (sell)" }), el("div", { id: "asks-" + name })));
    const bookNote = el("div", { class: "muted", id: "book-note-" + name });
    card.append(head, svg, legend, el("h3", { text: "Order book" }), bookNote, book);
    return card;
  }

  function svgEl(tag, attrs) {
    const e = document.createElementNS("http://www.w3.org/2000/svg", tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    return e;
  }

  /* Price (line) and volume (bars) of one zone over the window. */
  function drawChart(name, list, nowMs) {
    const svg = $("chart-" + name);
    if (!svg) return;
    const W = Math.max(svg.clientWidth || 320, 200), H = svg.clientHeight || 170;
    svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
    const padL = 52, padR = 64, padT = 8, padB = 20;
    const iw = W - padL - padR, ih = H - padT - padB;
    const ivl = num(state.chain.interval_ms);
    const t1 = nowMs;
    let t0 = t1 - HOUR_MS;
    if (list.length > 0) t0 = Math.max(t0, num(list[0].interval) * ivl - ivl);
    const span = Math.max(t1 - t0, ivl);
    const xOf = (interval) => padL + ((num(interval) * ivl - t0) / span) * iw;
    const traded = list.filter((c) => X.big(c.volume_mwh) > 0n);
    let pMin = null, pMax = null, vMax = 0n;
    for (const c of traded) {
      const p = X.big(c.price_micro_per_kwh);
      if (pMin === null || p < pMin) pMin = p;
      if (pMax === null || p > pMax) pMax = p;
      if (X.big(c.volume_mwh) > vMax) vMax = X.big(c.volume_mwh);
    }
    const nodes = [svgEl("line", { class: "axis", x1: padL, y1: padT + ih, x2: padL + iw, y2: padT + ih })];
    /* volume bars */
    const barW = Math.max(1, (ivl / span) * iw - 1);
    for (const c of traded) {
      const h = vMax > 0n ? (num(X.big(c.volume_mwh)) / num(vMax)) * ih * 0.6 : 0;
      nodes.push(svgEl("rect", { class: "vol", x: (xOf(c.interval) - barW).toFixed(1), y: (padT + ih - h).toFixed(1), width: barW.toFixed(1), height: h.toFixed(1) }));
    }
    /* price line over the intervals that traded (a gap where none did) */
    if (traded.length > 0) {
      const lo = num(pMin), hi = num(pMax);
      const pad = hi > lo ? (hi - lo) * 0.1 : Math.max(lo * 0.05, 1);
      const yLo = lo - pad, yHi = hi + pad;
      const yOf = (p) => padT + ih - ((num(p) - yLo) / (yHi - yLo)) * ih;
      let d = "", prev = null;
      for (const c of traded) {
        const x = xOf(c.interval) - barW / 2, y = yOf(X.big(c.price_micro_per_kwh));
        d += (prev !== null && X.big(c.interval) === prev + 1n ? "L" : "M") + x.toFixed(1) + " " + y.toFixed(1);
        prev = X.big(c.interval);
        nodes.push(svgEl("circle", { class: "dot", cx: x.toFixed(1), cy: y.toFixed(1), r: 2 }));
      }
      nodes.push(svgEl("path", { class: "price", d }));
      const label = (text, x, y, anchor) => {
        const t = svgEl("text", { x, y, "text-anchor": anchor });
        t.textContent = text;
        return t;
      };
      nodes.push(label(X.fixed(pMax, 6, 2), padL - 4, yOf(pMax) + 4, "end"));
      if (pMin !== pMax) nodes.push(label(X.fixed(pMin, 6, 2), padL - 4, yOf(pMin) + 4, "end"));
      nodes.push(label(X.fixed(vMax, 6, 3) + " kWh", padL + iw + 2, padT + ih - ih * 0.6 + 4, "start"));
    }
    const tl = (text, x, anchor) => {
      const t = svgEl("text", { x, y: H - 4, "text-anchor": anchor });
      t.textContent = text;
      return t;
    };
    nodes.push(tl(timeText(t0), padL, "start"), tl(timeText(t1), padL + iw, "end"));
    svg.replaceChildren(...nodes);
  }

  function renderZone(name, nowMs) {
    const m = state.clearings.get(name) || new Map();
    const list = [...m.values()].sort((a, b) => (X.big(a.interval) < X.big(b.interval) ? -1 : 1));
    let last = null;
    for (let i = list.length - 1; i >= 0; i--)
      if (X.big(list[i].volume_mwh) > 0n) {
        last = list[i];
        break;
      }
    const price = $("price-" + name), sub = $("price-sub-" + name);
    if (last) {
      price.textContent = X.price(last.price_micro_per_kwh);
      price.dataset.interval = String(last.interval);
      const trades = X.big(last.trades);
      sub.textContent = `${X.energy(last.volume_mwh)} in ${X.count(trades)} trade${trades === 1n ? "" : "s"}, interval ${last.interval}`;
    } else {
      price.textContent = "—";
      delete price.dataset.interval;
      sub.textContent = list.length > 0 ? "no trades in the last hour" : "no interval settled yet";
    }
    const settled = list.length;
    $("chart-note-" + name).textContent = settled > 0 ? `${settled} intervals settled` : "";
    drawChart(name, list, nowMs);
    renderBook(name);
  }

  function renderBook(name) {
    const b = state.books.get(name);
    const note = $("book-note-" + name);
    if (!b) {
      note.textContent = "";
      return;
    }
    note.textContent = `explicit orders for interval ${b.interval}; standing prices and meters join at settlement` +
      (b.truncated ? " (truncated)" : "");
    for (const side of ["bids", "asks"]) {
      const levels = b[side] || [];
      let cum = 0n;
      const cums = levels.map((l) => (cum += X.big(l.energy_mwh)));
      const total = cum > 0n ? cum : 1n;
      const rows = levels.slice(0, 8).map((l, i) => {
        const bar = el("div", { class: "bar" });
        bar.style.width = ((num(cums[i]) / num(total)) * 100).toFixed(1) + "%";
        return el("div", { class: "level" }, bar,
          el("span", { text: X.price(l.price_micro_per_kwh) }), el("span", { text: X.energy(l.energy_mwh) }));
      });
      if (rows.length === 0) rows.push(el("div", { class: "muted", text: "none" }));
      $(side + "-" + name).replaceChildren(...rows);
    }
  }

  async function refreshMarket(nowMs) {
    const ivl = X.big(state.chain.interval_ms);
    const hourIntervals = Number(BigInt(HOUR_MS) / ivl) + 1;
    const next = X.big(state.stats.next_interval);
    await Promise.all(state.zones.map(async (z) => {
      const name = z.name;
      let m = state.clearings.get(name);
      let limit = Math.min(KEPT_MAX, hourIntervals);
      if (m && m.size > 0) {
        let newest = 0n;
        for (const c of m.values()) if (X.big(c.interval) > newest) newest = X.big(c.interval);
        limit = Math.max(1, Math.min(limit, Number(next - newest) + 2));
      }
      const q = encodeURIComponent(name);
      const [cl, book] = await Promise.all([
        api(`/v1/markets/${q}/clearings?limit=${limit}`),
        api(`/v1/markets/${q}/book`),
      ]);
      if (!m) state.clearings.set(name, (m = new Map()));
      for (const c of cl.clearings) m.set(String(c.interval), c);
      /* keep the last hour */
      const oldest = BigInt(nowMs - HOUR_MS) / ivl;
      for (const k of [...m.keys()]) if (BigInt(k) < oldest) m.delete(k);
      state.books.set(name, book);
      renderZone(name, nowMs);
    }));
  }

  /* ------------------------------------------------------------ ledger */

  async function refreshBlocks() {
    const h = X.big(state.stats.height);
    const from = h >= BigInt(BLOCKS_SHOWN - 1) ? h - BigInt(BLOCKS_SHOWN - 1) : 0n;
    const r = await api(`/v1/blocks?from=${from}&limit=${BLOCKS_SHOWN}`);
    const rows = r.blocks.slice().reverse().map((b) =>
      el("tr", null,
        el("td", { text: X.count(b.height) }),
        el("td", { text: timeText(b.time_ms) }),
        el("td", { class: "wide", text: String(b.interval) }),
        el("td", { class: "num", text: X.count(b.tx_count) }),
        el("td", { class: "mono wide", title: b.hash, text: shortHex(b.hash) })));
    replaceRows($("blocks"), rows);
  }

  function fromTo(tx) {
    const td = el("td");
    if (!tx) return td;
    td.append(addrLink(tx.sender, true));
    if (tx.to) td.append(" → ", addrLink(tx.to, true));
    if (tx.memo) td.append(el("span", { class: "muted", text: " " + tx.memo }));
    return td;
  }

  async function refreshTxs() {
    const r = await api(`/v1/txs?limit=${TXS_SHOWN}`);
    const rows = r.txs.map((e) =>
      el("tr", null,
        el("td", { title: e.tx ? e.tx.txid : "", text: X.count(e.seq) }),
        el("td", { text: e.tx ? e.tx.type : "?" }),
        fromTo(e.tx),
        el("td", { class: "num", text: txAmount(e.tx) })));
    if (rows.length === 0) rows.push(el("tr", null, el("td", { colspan: 4, class: "muted", text: "no transactions yet" })));
    replaceRows($("txs"), rows);
  }

  /* ------------------------------------------------------------ operator */

  function facts(dl, pairs) {
    const nodes = [];
    for (const [k, v] of pairs) nodes.push(el("dt", { text: k }), el("dd", { text: v }));
    dl.replaceChildren(...nodes);
  }

  /* {"txs": N, "ms": M} -> N per second to one decimal, in integers */
  function rateText(r) {
    if (!r || X.big(r.ms) === null || X.big(r.ms) <= 0n) return "—";
    const tenths = (X.big(r.txs) * 10000n + X.big(r.ms) / 2n) / X.big(r.ms);
    return X.fixed(tenths, 1, 1);
  }

  function renderStats(s) {
    setText("height", X.count(s.height));
    $("height").dataset.height = String(s.height);
    $("height-sub").textContent = `${X.count(s.ledger_seq)} transactions in the ledger`;
    const lag = X.big(s.interval_lag);
    setText("lag", X.count(lag), lag > 1n ? "running" : "");
    $("lag-sub").textContent = `next to close: interval ${s.next_interval} (${X.count(s.interval_ms)} ms each)`;
    setText("tps", rateText(s.txs.rate_10s));
    $("tps-sub").textContent = `over 10 s; ${rateText(s.txs.rate_60s)} over 60 s`;
    facts($("metrics"), [
      ["height", X.count(s.height)],
      ["ledger transactions", X.count(s.ledger_seq)],
      ["interval lag", X.count(s.interval_lag)],
      ["intervals closed", X.count(s.intervals_closed_total)],
      ["closed late (catching up)", X.count(s.intervals_late_total)],
      ["settlements failed (retried)", X.count(s.settlements_failed_total)],
      ["committed", X.count(s.txs.accepted_total)],
      ["duplicates", X.count(s.txs.duplicate_total)],
      ["rejected", X.count(s.txs.rejected_total)],
      ["tx/s over 10 s / 60 s", `${rateText(s.txs.rate_10s)} / ${rateText(s.txs.rate_60s)}`],
      ["HTTP requests / errors", `${X.count(s.http_requests_total)} / ${X.count(s.http_errors_total)}`],
      ["nng requests / bad", `${X.count(s.nng_requests_total)} / ${X.count(s.nng_bad_requests_total)}`],
    ]);
    const reasons = Object.entries(s.txs.rejected_by_reason).sort((a, b) => (a[1] > b[1] ? -1 : a[1] < b[1] ? 1 : 0));
    const rows = reasons.map(([k, v]) => el("tr", null, el("td", { class: "mono", text: k }), el("td", { class: "num", text: X.count(v) })));
    if (rows.length === 0) rows.push(el("tr", null, el("td", { class: "muted", text: "none" })));
    replaceRows($("rejections"), rows);
    renderAudit(s.audit, s.time_ms);
  }

  function renderAudit(a, now) {
    const l = a.last;
    if (a.state === "running" || a.state === "requested") {
      setText("audit-result", a.state === "running" ? "running…" : "requested", "running");
    } else if (l) {
      setText("audit-result", l.result === "ok" ? "ok" : "FAILED", l.result === "ok" ? "ok" : "failed");
    } else {
      setText("audit-result", "not yet", "");
    }
    $("audit-result").dataset.height = l && l.height !== null ? String(l.height) : "";
    $("audit-sub").textContent = l
      ? `up to height ${X.count(l.height)}, ${ago(l.finished_ms, now)}`
      : a.next_ms !== null ? `first run at ${timeText(a.next_ms)}` : "runs on request";
    const pairs = [["state", a.state]];
    if (l) {
      pairs.push(
        ["last result", l.result === "ok" ? "ok — every check holds" : `FAILED (${l.code}): ${l.message}`],
        ["up to height", X.count(l.height)],
        ["transactions", `${X.count(l.txs)} (${X.count(l.open_txs)} in the open block)`],
        ["accounts compared", X.count(l.accounts)],
        ["finished", `${timeText(l.finished_ms)} (${ago(l.finished_ms, now)}), took ${Number(l.seconds).toFixed(2)} s`],
        ["minted − burned", X.coin(X.big(l.minted_micro) - X.big(l.burned_micro))],
        ["balances + holds", X.coin(X.big(l.balances_micro) + X.big(l.holds_micro))]);
    }
    pairs.push(["runs", X.count(a.runs)],
      ["schedule", X.big(a.every_s) > 0n ? `every ${X.count(a.every_s)} s` : "on request only"],
      ["next", a.next_ms !== null ? timeText(a.next_ms) : "—"]);
    facts($("audit"), pairs);
  }

  async function auditNow() {
    const b = $("audit-now");
    b.disabled = true;
    try {
      const r = await api("/v1/audit", { method: "POST" });
      $("audit-msg").textContent = r.state === "running" ? "an audit is running" : "requested";
    } catch (e) {
      $("audit-msg").textContent = e.message;
    } finally {
      b.disabled = false;
    }
  }

  /* ------------------------------------------------------------ account */

  async function txDetail(txid) {
    if (state.txCache.has(txid)) return state.txCache.get(txid);
    const r = await api(`/v1/txs/${txid}`);
    const tx = r.status === "committed" ? r.tx : null;
    if (tx) state.txCache.set(txid, tx);
    return tx;
  }

  function totalsRow(label, energy, money) {
    return el("tr", null, el("td", { text: label }),
      el("td", { class: "num", text: energy === null ? "" : X.energy(energy) }),
      el("td", { class: "num", text: money === null ? "" : X.coin(money) }));
  }

  async function refreshAccount() {
    const addr = state.account;
    const [a, st] = await Promise.all([
      api(`/v1/accounts/${encodeURIComponent(addr)}`),
      api(`/v1/accounts/${encodeURIComponent(addr)}/settlements?limit=30`),
    ]);
    if (state.account !== addr) return;
    $("acct-error").hidden = true;
    $("acct-address").textContent = a.address;
    setText("acct-balance", X.coin(a.balance_micro));
    $("acct-balance").dataset.micro = String(a.balance_micro);
    $("acct-roles").textContent = a.roles.length > 0 ? "roles: " + a.roles.join(", ") : "household or shop";
    setText("acct-holds", X.coin(a.holds_micro));
    $("acct-nonce").textContent = `nonce ${a.nonce}`;
    const t = st.totals;
    setText("acct-energy-net", `${X.energy(t.bought_p2p_mwh)} / ${X.energy(t.sold_p2p_mwh)}`);
    $("acct-energy-sub").textContent = `peer to peer; paid ${X.coin(t.paid_p2p_micro)}, received ${X.coin(t.received_p2p_micro)}`;
    setText("acct-net", X.coin(t.net_micro), X.big(t.net_micro) < 0n ? "failed" : "ok");
    $("acct-net-sub").textContent = `over ${X.count(st.intervals_with_rows)} settled intervals`;
    $("acct-range").textContent = st.from_interval !== null
      ? `intervals ${st.from_interval}–${st.to_interval} (the ${X.count(st.intervals_kept)} the daemon keeps)`
      : "no settlement kept yet";
    replaceRows($("acct-totals"), [
      totalsRow("imported (meter + bought)", t.import_mwh, null),
      totalsRow("exported (meter + sold)", t.export_mwh, null),
      totalsRow("bought from neighbours", t.bought_p2p_mwh, t.paid_p2p_micro),
      totalsRow("sold to neighbours", t.sold_p2p_mwh, t.received_p2p_micro),
      totalsRow("grid fees paid", null, t.grid_fee_micro),
      totalsRow("retail import", t.retail_mwh, t.retail_micro),
      totalsRow("feed-in export", t.feed_in_mwh, t.feed_in_micro),
      totalsRow("retail owed, unpaid", null, t.retail_unpaid_micro),
      totalsRow("net", null, t.net_micro),
    ]);
    const rows = st.rows.map((r) => el("tr", null,
      el("td", { text: String(r.interval) }), el("td", { text: r.zone }),
      el("td", { class: "num", text: X.energy(r.bought_p2p_mwh) }), el("td", { class: "num", text: X.energy(r.sold_p2p_mwh) }),
      el("td", { class: "num", text: X.coin(r.paid_p2p_micro) }), el("td", { class: "num", text: X.coin(r.received_p2p_micro) }),
      el("td", { class: "num", text: X.coin(r.grid_fee_micro) }), el("td", { class: "num", text: X.coin(r.retail_micro) }),
      el("td", { class: "num", text: X.coin(r.feed_in_micro) }), el("td", { class: "num", text: X.coin(r.net_micro) })));
    if (rows.length === 0) rows.push(el("tr", null, el("td", { colspan: 10, class: "muted", text: "no settlement rows" })));
    replaceRows($("acct-rows"), rows);
    /* last transactions: details of the small ones (a SETTLE's legs are the rows above) */
    const txRows = await Promise.all(a.txs.map(async (e) => {
      const small = e.type !== "settle" && e.type !== "readings";
      const tx = small ? await txDetail(e.txid).catch(() => null) : null;
      let other = el("td", { class: "muted", text: e.type === "settle" ? "settlement (see rows)" : "" });
      let amount = "";
      if (tx) {
        const mine = tx.sender === a.address;
        const who = mine ? tx.to : tx.sender;
        other = el("td", null, who ? addrLink(who, true) : "", tx.memo ? el("span", { class: "muted", text: " " + tx.memo }) : null);
        amount = txAmount(tx);
        if (tx.amount_micro !== undefined && (tx.type === "transfer" || tx.type === "burn") && mine) amount = "-" + amount;
      }
      return el("tr", null, el("td", { title: e.txid, text: X.count(e.seq) }), el("td", { text: e.type }), other,
        el("td", { class: "num", text: amount }));
    }));
    if (state.account !== addr) return;
    if (txRows.length === 0) txRows.push(el("tr", null, el("td", { colspan: 4, class: "muted", text: "none" })));
    replaceRows($("acct-txs"), txRows);
  }

  /* ------------------------------------------------------------ loop */

  async function poll() {
    state.timer = null;
    if (state.inflight) return; /* the running poll schedules the next */
    state.inflight = true;
    const waiting = state.waiters.splice(0); /* satisfied by this poll, which starts now */
    try {
      if (!state.chain) {
        state.chain = await api("/v1/chain");
        state.zones = state.chain.zones;
        $("chain").textContent = `chain ${state.chain.chain_id} · ${X.count(state.chain.interval_ms)} ms intervals`;
        $("zones").replaceChildren(...state.zones.map(zoneCard));
      }
      const s = await api("/v1/stats");
      state.stats = s;
      renderStats(s);
      const nowMs = Number(X.big(s.time_ms));
      const moved = s.ledger_seq !== state.lastSeq || s.height !== state.lastHeight;
      if (state.account !== null) {
        await refreshAccount();
      } else if (moved || state.polls % 5 === 0) {
        await Promise.all([refreshMarket(nowMs), refreshBlocks(), refreshTxs()]);
      }
      state.lastSeq = s.ledger_seq;
      state.lastHeight = s.height;
      showBanner(null);
    } catch (e) {
      if (state.account !== null && e instanceof ApiError && e.status === 400) {
        $("acct-error").hidden = false;
        $("acct-error").textContent = e.message;
      } else {
        showBanner(`cannot reach the node (${e.message}); showing the last figures`);
      }
    }
    state.inflight = false;
    state.polls++;
    document.documentElement.dataset.polls = String(state.polls);
    for (const w of waiting) w();
    if (state.waiters.length > 0) pollNow();
    else schedule();
  }

  function schedule() {
    if (state.timer === null && document.visibilityState !== "hidden") state.timer = setTimeout(poll, POLL_MS);
  }

  function pollNow() {
    if (state.timer !== null) clearTimeout(state.timer);
    state.timer = null;
    poll();
  }

  /* One full poll that starts after this call; resolves when it is drawn.
   * (Used by the browser test to read the page "at a moment".) */
  function refresh() {
    return new Promise((resolve) => {
      state.waiters.push(resolve);
      if (!state.inflight) pollNow();
    });
  }
  window.wattleDashboard = { refresh };

  function route() {
    const m = /^#\/account\/([^/]+)$/.exec(location.hash);
    state.account = m ? decodeURIComponent(m[1]) : null;
    $("overview").hidden = state.account !== null;
    $("account").hidden = state.account === null;
    if (state.account !== null) {
      $("acct-address").textContent = state.account;
      for (const id of ["acct-balance", "acct-holds", "acct-energy-net", "acct-net"]) setText(id, "…");
      replaceRows($("acct-txs"), []);
      replaceRows($("acct-rows"), []);
    }
    state.lastSeq = null; /* the overview refetches when shown again */
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("poll-s").textContent = String(POLL_MS / 1000);
    $("lookup").addEventListener("submit", (ev) => {
      ev.preventDefault();
      const a = $("lookup-address").value.trim();
      if (a) location.hash = "#/account/" + encodeURIComponent(a);
    });
    $("audit-now").addEventListener("click", () => auditNow().then(pollNow));
    window.addEventListener("hashchange", () => {
      route();
      pollNow();
    });
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState !== "hidden") pollNow();
    });
    let resizeTimer = null;
    window.addEventListener("resize", () => {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(() => {
        if (state.stats) for (const z of state.zones) renderZone(z.name, Number(X.big(state.stats.time_ms)));
      }, 150);
    });
    route();
    poll();
  });
})();
