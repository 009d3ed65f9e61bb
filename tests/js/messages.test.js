// The scripts' texts come from the page, in its language, with gettext's placeholders filled in.
import assert from "node:assert/strict";
import { test } from "node:test";

import { Messages } from "../../static/js/candidate/messages.js";

const element = (texts) => ({ dataset: { messages: JSON.stringify(texts) } });

test("a text with its placeholders filled in, and one left alone when no value is given", () => {
  const messages = new Messages(element({ notSaved: "Nicht gespeichert: %(reason)s" }), "de");
  assert.equal(messages.text("notSaved", { reason: "zu lang" }), "Nicht gespeichert: zu lang");
  assert.equal(messages.text("notSaved"), "Nicht gespeichert: %(reason)s");
});

test("plural forms follow the language's rules", () => {
  const forms = { zero: "z %(num)d", one: "o %(num)d", two: "t %(num)d", few: "f %(num)d", many: "m %(num)d",
                  other: "x %(num)d" };
  const arabic = new Messages(element({ left: forms }), "ar");
  assert.deepEqual([0, 1, 2, 5, 11, 100].map((n) => arabic.count("left", n)),
                   ["z 0", "o 1", "t 2", "f 5", "m 11", "x 100"]);
  const german = new Messages(element({ left: { one: "%(num)d Minute", other: "%(num)d Minuten" } }), "de");
  assert.equal(german.count("left", 1), "1 Minute");
  assert.equal(german.count("left", 5), "5 Minuten");
});

test("a missing or unreadable catalogue shows the key rather than breaking the page", () => {
  assert.equal(new Messages({ dataset: { messages: "{" } }, "en").text("saved"), "saved");
  assert.equal(new Messages(null, "en").count("left", 2), "left");
});
