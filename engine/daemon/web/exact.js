/* exact.js — JSON with exact integers, and amounts formatted from them.
 *
 * wattled sends money and energy as JSON integers (micro-U-Coin, mWh, micro
 * per kWh). JSON.parse turns every number into a double, which silently
 * rounds integers above 2^53 (9,007,199,254,740,993 µU would become ...992).
 * parse() here reads every integer literal as a BigInt instead (numbers with
 * a fraction or an exponent stay Numbers), so what the page shows is formatted
 * from the very digits the daemon sent, by integer division — never through
 * a double. Strings are decoded by JSON.parse on their own token, so escapes
 * follow the standard exactly.
 *
 * A classic script: in the page it defines the global WattleExact; under node
 * (the unit test) it is a CommonJS module. */
"use strict";

const WattleExact = (() => {
  const NUMBER = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;

  function parse(text) {
    let i = 0;
    const fail = (what) => {
      throw new SyntaxError(`JSON: ${what} at offset ${i}`);
    };
    const ws = () => {
      for (;;) {
        const c = text.charCodeAt(i);
        if (c === 32 || c === 9 || c === 10 || c === 13) i++;
        else return;
      }
    };
    const string = () => {
      const start = i++;
      while (i < text.length) {
        const c = text.charCodeAt(i);
        if (c === 34) {
          i++;
          return JSON.parse(text.slice(start, i));
        }
        i += c === 92 ? 2 : 1;
      }
      return fail("unterminated string");
    };
    const literal = (word, v) => {
      if (text.startsWith(word, i)) {
        i += word.length;
        return v;
      }
      return fail("unexpected character");
    };
    const value = () => {
      ws();
      const c = text[i];
      if (c === "{") {
        i++;
        const o = {};
        ws();
        if (text[i] === "}") {
          i++;
          return o;
        }
        for (;;) {
          ws();
          if (text[i] !== '"') fail("expected a key");
          const k = string();
          ws();
          if (text[i++] !== ":") fail("expected ':'");
          /* defineProperty: a key named __proto__ stays a plain key */
          Object.defineProperty(o, k, {
            value: value(),
            enumerable: true,
            writable: true,
            configurable: true,
          });
          ws();
          const sep = text[i++];
          if (sep === "}") return o;
          if (sep !== ",") fail("expected ',' or '}'");
        }
      }
      if (c === "[") {
        i++;
        const a = [];
        ws();
        if (text[i] === "]") {
          i++;
          return a;
        }
        for (;;) {
          a.push(value());
          ws();
          const sep = text[i++];
          if (sep === "]") return a;
          if (sep !== ",") fail("expected ',' or ']'");
        }
      }
      if (c === '"') return string();
      if (c === "t") return literal("true", true);
      if (c === "f") return literal("false", false);
      if (c === "n") return literal("null", null);
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(text);
      if (m === null) return fail("unexpected character");
      i += m[0].length;
      return m[1] !== undefined || m[2] !== undefined ? Number(m[0]) : BigInt(m[0]);
    };
    const v = value();
    ws();
    if (i !== text.length) fail("trailing characters");
    return v;
  }

  /* An integer from the API (BigInt; a Number or a decimal string is
   * accepted when it is an exact integer), else null. */
  function big(v) {
    if (typeof v === "bigint") return v;
    if (typeof v === "number" && Number.isSafeInteger(v)) return BigInt(v);
    if (typeof v === "string" && /^-?[0-9]+$/.test(v)) return BigInt(v);
    return null;
  }

  function group(digits) {
    return digits.replace(/\B(?=([0-9]{3})+(?![0-9]))/g, ",");
  }

  /* v / 10^scale as a decimal: thousands grouped, trailing zeros of the
   * fraction dropped down to minFrac digits. Exact for any integer. */
  function fixed(v, scale, minFrac) {
    const x = big(v);
    if (x === null) return "—";
    const neg = x < 0n;
    const a = neg ? -x : x;
    const base = 10n ** BigInt(scale);
    let frac = (a % base).toString().padStart(scale, "0");
    while (frac.length > minFrac && frac.endsWith("0")) frac = frac.slice(0, -1);
    return (neg ? "-" : "") + group((a / base).toString()) + (frac.length > 0 ? "." + frac : "");
  }

  /* micro-U-Coin -> "1,234.50 U" */
  const coin = (micro) => (big(micro) === null ? "—" : fixed(micro, 6, 2) + " U");
  /* micro-U-Coin per kWh -> "123.456789 U/kWh" */
  const price = (micro) => (big(micro) === null ? "—" : fixed(micro, 6, 2) + " U/kWh");
  /* mWh -> "1.500 kWh" (1 kWh = 1,000,000 mWh) */
  const energy = (mwh) => (big(mwh) === null ? "—" : fixed(mwh, 6, 3) + " kWh");
  /* a count -> "12,345" */
  const count = (n) => (big(n) === null ? "—" : group(big(n).toString()));

  /* The inverse, for tests: "1,234.50 U" -> 1234500000n (micro), or null. */
  function unfixed(text, scale) {
    const m = /^(-?)([0-9][0-9,]*)(?:\.([0-9]+))?(?:\s.*)?$/.exec(String(text).trim());
    if (m === null) return null;
    const frac = m[3] || "";
    if (frac.length > scale) return null;
    const digits = m[2].replace(/,/g, "") + frac.padEnd(scale, "0");
    const v = BigInt(digits);
    return m[1] === "-" ? -v : v;
  }

  return { parse, big, fixed, coin, price, energy, count, unfixed };
})();

if (typeof module !== "undefined") module.exports = WattleExact;
