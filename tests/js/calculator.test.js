// The on-screen calculator, key by key as the candidate presses them.
import assert from "node:assert/strict";
import { test } from "node:test";

import { Calculator } from "../../static/js/candidate/calculator.js";

const pressAll = (keys) => {
  const calculator = new Calculator();
  return keys.map((key) => calculator.press(key)).at(-1);
};

test("two numbers and an operator", () => {
  assert.equal(pressAll([..."12+30="]), "42");
  assert.equal(pressAll([..."7/2="]), "3.5");
});

test("an operator after a number does the pending operation first", () => {
  assert.equal(pressAll([..."2+3*"]), "5");
  assert.equal(pressAll([..."2+3*4="]), "20");
});

test("binary fractions are shown as a person expects", () => {
  assert.equal(pressAll([..."0.1+0.2="]), "0.3");
});

test("dividing by zero is an error, and the next number starts afresh", () => {
  const calculator = new Calculator();
  [..."5/0"].forEach((key) => calculator.press(key));
  assert.equal(calculator.press("="), "Error");
  assert.equal(calculator.press("4"), "4");
  assert.equal(calculator.press("+"), "4");
});

test("digits: one decimal point, a leading zero replaced, at most 15 characters", () => {
  assert.equal(pressAll([..."0071.2.5"]), "71.25");
  assert.equal(pressAll(["."]), "0.");
  assert.equal(pressAll([..."1234567890123456789"]), "123456789012345");
});

test("delete, change sign and clear", () => {
  assert.equal(pressAll([..."123", "back"]), "12");
  assert.equal(pressAll(["5", "back", "back"]), "0");
  assert.equal(pressAll(["9", "sign"]), "-9");
  assert.equal(pressAll(["9", "sign", "sign"]), "9");
  assert.equal(pressAll([..."9+1", "C", "="]), "0");
});

test("equals repeats nothing: it shows the stored number", () => {
  assert.equal(pressAll([..."8+="]), "8");
});
