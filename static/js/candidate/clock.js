// The countdown from the server's clock: the server says how much time is left (on every save and every
// few seconds); this counts down in between, says it aloud at 5 and 1 minute, and at 0 asks the server
// until it says the test or section is over.
import { request } from "./request.js";

const CLOCK_EVERY = 15000;    // ms between asking the server for the time left (extra time, sections)
const ANNOUNCE_AT = [300, 60];   // seconds left that are said aloud
// More time than this beyond the count was added on the server (a proctor, an accommodation); the count
// itself drifts from the server's by a second or two between two answers.
const ADDED_AT_LEAST = 30;

const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

export function formatClock(seconds) {
  const pad = (n) => String(n).padStart(2, "0");
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  return hours ? `${hours}:${pad(minutes)}:${pad(seconds % 60)}` : `${minutes}:${pad(seconds % 60)}`;
}

// The mark (in seconds) to say aloud when `left` seconds are left, once each, or null. A tick may come a
// little late (a busy or hidden tab): each mark is said within 5 seconds after it, not later.
export function markToAnnounce(left, announced) {
  return ANNOUNCE_AT.find((mark) => left <= mark && left > mark - 5 && !announced[mark]) ?? null;
}

export class Clock {
  // `page` gives the elements, messages, leave(), leaving, section, showProctorMessage(messages),
  // showTimeAdded(minutes, messages) and flush().
  constructor(page, { clockUrl, clockEvery }) {
    this.page = page;
    this.clockUrl = clockUrl;
    this.every = (Number(clockEvery) * 1000) || CLOCK_EVERY;
    this.announced = {};
    this.timeOver = null;
  }

  start(seconds) {
    this.setRemaining(seconds);
    this.tick();
    setInterval(() => this.tick(), 1000);
    setInterval(() => this.ask(), this.every);
  }

  setRemaining(seconds) {
    this.endsAt = Date.now() + seconds * 1000;
  }

  // Seconds the server's `seconds` left are beyond this count.
  added(seconds) {
    return this.endsAt === undefined ? 0 : (Date.now() + seconds * 1000 - this.endsAt) / 1000;
  }

  // The time left from a save's answer. When it brings added time, the clock asks the server instead, whose
  // answer brings the proctor's reason with it (the messages), so the jump is told with its why.
  follow(seconds) {
    if (this.added(seconds) >= ADDED_AT_LEAST) {
      this.ask();
    } else {
      this.setRemaining(seconds);
    }
  }

  tick() {
    const left = Math.max(0, Math.round((this.endsAt - Date.now()) / 1000));
    const { timer, announcer } = this.page;
    timer.textContent = formatClock(left);
    timer.parentElement.classList.toggle("running-out", left <= 300);
    const mark = markToAnnounce(left, this.announced);
    if (mark !== null) {
      this.announced[mark] = true;
      announcer.textContent = this.page.messages.count("minutesLeft", mark / 60);
    }
    if (left === 0 && !this.timeOver) {
      this.timeOver = this.waitForTheEnd().finally(() => { this.timeOver = null; });
    }
  }

  // Asks the server; returns whether the page is leaving (the test or the section is over).
  async ask() {
    let clock;
    try {
      const response = await request(this.clockUrl);
      if (!response.ok) {
        return false;
      }
      clock = await response.json();
    } catch {
      return false;
    }
    if (clock.status !== "exam_started" || clock.section !== this.page.section) {
      this.page.leave();
      return true;
    }
    const added = this.added(clock.remaining);
    this.setRemaining(clock.remaining);
    const messages = clock.messages || [];
    if (added >= ADDED_AT_LEAST) {
      this.page.showTimeAdded(Math.round(added / 60), messages);
    } else if (messages.length) {
      this.page.showProctorMessage(messages);
    }
    return false;
  }

  // At 0 the last answers go out, then the server is asked until it says the test or section is over (its
  // deadline can be up to a second behind this count) or that there is time left after all (extra time).
  async waitForTheEnd() {
    await this.page.flush();
    while (!this.page.leaving && !(await this.ask()) && this.endsAt <= Date.now()) {
      await sleep(1000);
    }
  }
}
