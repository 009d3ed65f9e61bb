// The countdown's text and what is said aloud.
import assert from "node:assert/strict";
import { test } from "node:test";

import { formatClock, markToAnnounce } from "../../static/js/candidate/clock.js";

test("minutes and seconds under an hour, hours beyond", () => {
  assert.equal(formatClock(0), "0:00");
  assert.equal(formatClock(65), "1:05");
  assert.equal(formatClock(3599), "59:59");
  assert.equal(formatClock(3600), "1:00:00");
  assert.equal(formatClock(3 * 3600 + 7 * 60 + 9), "3:07:09");
});

test("5 minutes and 1 minute are said once each, within 5 seconds after the mark", () => {
  assert.equal(markToAnnounce(301, {}), null);
  assert.equal(markToAnnounce(300, {}), 300);
  assert.equal(markToAnnounce(296, {}), 300);
  assert.equal(markToAnnounce(295, {}), null);
  assert.equal(markToAnnounce(298, { 300: true }), null);
  assert.equal(markToAnnounce(60, { 300: true }), 60);
  assert.equal(markToAnnounce(30, {}), null);
});
