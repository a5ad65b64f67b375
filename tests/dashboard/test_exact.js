/* test_exact.js — the dashboard's exact JSON reader and amount formatting
 * (engine/daemon/web/exact.js), under node's test runner (unit). The point:
 * integers above 2^53 must reach the screen digit for digit, which
 * JSON.parse cannot do. argv[2] = the path of exact.js. */
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const X = require(process.argv[2]);

test("integers stay exact above 2^53, where JSON.parse rounds", () => {
  const text = '{"balance_micro":9007199254740993,"max":9223372036854775807,"min":-9223372036854775808}';
  assert.equal(JSON.parse(text).balance_micro, 9007199254740992); /* the trap */
  const o = X.parse(text);
  assert.equal(o.balance_micro, 9007199254740993n);
  assert.equal(o.max, 9223372036854775807n);
  assert.equal(o.min, -9223372036854775808n);
  assert.equal(X.coin(o.balance_micro), "9,007,199,254.740993 U");
  assert.equal(X.coin(o.max), "9,223,372,036,854.775807 U");
  assert.equal(X.coin(o.min), "-9,223,372,036,854.775808 U");
});

test("the parser reads all of JSON the way JSON.parse does, bar the integers", () => {
  const text = ' {"a": [1, -0, 2.5, 1e3, -1.5E-2, true, false, null, "x\\"y\\u00e9\\n\\ud83d\\ude00"],' +
    ' "b": {}, "c": [], "__proto__": 7, "d": {"e": "f"}} ';
  const o = X.parse(text);
  const j = JSON.parse(text);
  assert.deepEqual(o.a.slice(2), j.a.slice(2));
  assert.equal(o.a[0], 1n);
  assert.equal(o.a[1], 0n);
  assert.deepEqual(o.b, {});
  assert.deepEqual(o.c, []);
  assert.equal(o.d.e, "f");
  assert.equal(Object.getPrototypeOf(o), Object.prototype); /* __proto__ is a plain key */
  assert.equal(Object.getOwnPropertyDescriptor(o, "__proto__").value, 7n);
  for (const bad of ["", "{", "[1,]", '{"a" 1}', "01", "1.", "-", "tru", '"x', "[1] 2", "{'a':1}", "NaN"])
    assert.throws(() => X.parse(bad), SyntaxError, bad);
});

test("amounts, prices and energy with their units, trailing zeros trimmed to a minimum", () => {
  assert.equal(X.coin(0n), "0.00 U");
  assert.equal(X.coin(1n), "0.000001 U");
  assert.equal(X.coin(3500000n), "3.50 U");
  assert.equal(X.coin(-1250000n), "-1.25 U");
  assert.equal(X.coin(20000000000n), "20,000.00 U");
  assert.equal(X.coin(999999n), "0.999999 U");
  assert.equal(X.price(114367469n), "114.367469 U/kWh");
  assert.equal(X.price(140000000n), "140.00 U/kWh");
  assert.equal(X.energy(3320000n), "3.320 kWh");
  assert.equal(X.energy(1n), "0.000001 kWh");
  assert.equal(X.energy(1500000000n), "1,500.000 kWh");
  assert.equal(X.count(1234567n), "1,234,567");
  assert.equal(X.coin(null), "—");
  assert.equal(X.coin(1.5), "—"); /* not an integer: never shown as money */
  assert.equal(X.coin(42), "0.000042 U"); /* a safe integer Number is accepted */
});

test("formatting and reading back are inverse for every scale", () => {
  const values = [0n, 1n, 9n, 10n, 999999n, 1000000n, 1000001n, 123456789012345n,
    9007199254740993n, -9007199254740993n, 9223372036854775807n];
  for (const v of values) {
    assert.equal(X.unfixed(X.coin(v), 6), v);
    assert.equal(X.unfixed(X.energy(v), 6), v);
  }
});
