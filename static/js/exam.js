// The exam page: one question at a time with a palette, autosave with per-item versions, an offline
// mode that keeps answers on this device, the countdown from the server's clock, the calculator, and
// copy and paste turned off when the exam says so. The server decides everything: what is saved, the
// time left, when a section or the test is over; this file only shows it and sends what was typed.
// "Saved", in the top bar, on a question and in the palette, means acknowledged by the server: an answer
// it refuses stays queued on this device, is sent again every few seconds and after a reload, and a
// message that stays on screen says what to do.
"use strict";

const SAVE_DELAY = 600;       // ms after the last change...
const SAVE_MAX_WAIT = 900;    // ...but never more than this after the first unsent one, however fast one types
const RETRY_EVERY = 5000;     // ms between resends while offline or refused (the "online" event also resends)
const CLOCK_EVERY = 15000;    // ms between asking the server for the time left (extra time, sections)
const POSITION_DELAY = 400;   // ms: flicking through the palette sends only where the candidate stopped
const MESSAGE_FOR = 4000;
const LEAVE_AFTER = 2500;     // ms a "time is up" message stays before the page moves on
const REPORT_EVERY = 5000;
const EXIT_DEBOUNCE = 1000;   // ms: one tab switch fires visibilitychange and blur; it counts once    // ms: one report of a blocked copy or paste per kind, however many tries

const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

// No session token: the sitting's link in the URL authorises every request of this page, so a lost or
// unreadable session cookie costs nothing.
function request(url, body) {
  const options = { headers: { Accept: "application/json" }, credentials: "same-origin" };
  if (body !== undefined) {
    options.method = "POST";
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  return fetch(url, options);
}

async function errorMessage(response) {
  try {
    return (await response.json()).error.message;
  } catch {
    return `The server answered ${response.status}.`;
  }
}

function formatClock(seconds) {
  const pad = (n) => String(n).padStart(2, "0");
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  return hours ? `${hours}:${pad(minutes)}:${pad(seconds % 60)}` : `${minutes}:${pad(seconds % 60)}`;
}

// Answers: the shapes the server stores, read from and written to a question's inputs -------------------

function blanksOf(question) {
  // Named q<item>-<n> by the stem's [[n]]; sorted by n, so that the n-th answer fills the n-th blank.
  const number = (input) => Number(input.name.split("-").pop());
  return [...question.querySelectorAll("input.blank")].sort((a, b) => number(a) - number(b));
}

function readAnswer(question) {
  const name = `q${question.dataset.itemId}`;
  switch (question.dataset.type) {
    case "MCQ": {
      const chosen = question.querySelector(`input[name="${name}"]:checked`);
      return chosen ? { option: chosen.value } : null;
    }
    case "MCA": {
      const chosen = [...question.querySelectorAll(`input[name="${name}"]:checked`)].map((input) => input.value);
      return chosen.length ? { options: chosen } : null;
    }
    case "FITB": {
      const blanks = blanksOf(question).map((input) => input.value);
      return blanks.some((text) => text.trim()) ? { blanks } : null;
    }
    default: {
      const text = question.querySelector(`[name="${name}"]`).value;
      return text.trim() ? { text } : null;
    }
  }
}

function writeAnswer(question, answer) {
  const name = `q${question.dataset.itemId}`;
  switch (question.dataset.type) {
    case "MCQ":
    case "MCA": {
      const chosen = answer ? (answer.options || [answer.option]) : [];
      question.querySelectorAll(`input[name="${name}"]`).forEach((input) => { input.checked = chosen.includes(input.value); });
      break;
    }
    case "FITB":
      blanksOf(question).forEach((input, index) => { input.value = (answer && answer.blanks && answer.blanks[index]) || ""; });
      break;
    default:
      question.querySelector(`[name="${name}"]`).value = (answer && answer.text) || "";
  }
}

// The page ------------------------------------------------------------------------------------------------

class ExamPage {
  constructor(root) {
    this.root = root;
    this.data = root.dataset;
    this.section = Number(this.data.section);
    this.questions = [...root.querySelectorAll("[data-question]")];
    this.timer = root.querySelector("[data-timer]");
    this.saveStatus = root.querySelector("[data-save-status]");
    this.offlineBanner = root.querySelector("[data-offline]");
    this.unsavedNotice = root.querySelector("[data-unsaved]");
    this.messageBanner = root.querySelector("[data-message]");
    this.offline = false;
    this.leaving = false;
    this.sending = null;
    this.lastReport = {};
    this.announced = {};
    this.store = this.loadStore();
    this.questions.forEach((question) => this.reconcile(question));
    this.saveStore();
    this.current = -1;
    this.show(this.startIndex(), false);
    this.bindEvents();
    this.startClock(Number(this.data.remaining));
    this.paintStatus();
    if (this.questions.some((question) => !this.entry(question).sent)) {
      this.flush();   // answers left unsent on this device last time
    }
  }

  // Versions and unsent answers live in localStorage, so that a reload never reuses a version number and
  // an answer typed while offline survives closing the page.
  loadStore() {
    try {
      return JSON.parse(localStorage.getItem(this.data.storageKey)) || { items: {} };
    } catch {
      return { items: {} };
    }
  }

  saveStore() {
    try {
      localStorage.setItem(this.data.storageKey, JSON.stringify(this.store));
    } catch {
      // Storage full or blocked: the answers still go to the server; only the offline safety net is lost.
    }
  }

  entry(question) {
    return this.store.items[question.dataset.itemId];
  }

  reconcile(question) {
    const server = {
      version: Number(question.dataset.version),
      answer: JSON.parse(question.dataset.answer),
      flagged: question.hasAttribute("data-flagged"),
    };
    const local = this.store.items[question.dataset.itemId];
    if (local && !local.sent && local.version > server.version) {
      // Changed on this device after the server's copy (offline, or refused): this is the candidate's latest
      // answer; resend it. The page itself comes from the server: what it holds is what is acknowledged.
      local.acknowledged = { answer: server.answer, flagged: server.flagged };
      writeAnswer(question, local.answer);
      question.querySelector("[data-flag]").checked = local.flagged;
    } else {
      const version = Math.max(server.version, local ? local.version : 0);
      this.store.items[question.dataset.itemId] = {
        ...server, version, sent: true, acknowledged: { answer: server.answer, flagged: server.flagged } };
      writeAnswer(question, server.answer);
      question.querySelector("[data-flag]").checked = server.flagged;
    }
    this.paintQuestion(question);
  }

  startIndex() {
    // A link from the finish summary (#q<position>) wins over the position the server remembered.
    const wanted = window.location.hash.startsWith("#q") ? window.location.hash.slice(2) : this.data.position;
    if (window.location.hash) {
      window.history.replaceState(null, "", window.location.pathname);
    }
    const index = this.questions.findIndex((question) => question.dataset.position === wanted);
    return Math.max(0, index);
  }

  bindEvents() {
    this.root.addEventListener("input", (event) => {
      const question = event.target.closest("[data-question]");
      if (question) {
        this.changed(question);
      }
    });
    // Leaving a text box sends at once, without waiting for the pause.
    this.root.addEventListener("focusout", (event) => {
      if (event.target.matches("input[type=text], textarea")) {
        this.flush();
      }
    });
    this.root.addEventListener("click", (event) => {
      const target = event.target.closest("button, a");
      if (!target) {
        return;
      }
      if (target.matches("[data-prev]")) {
        this.show(this.current - 1, true);
      } else if (target.matches("[data-next]")) {
        this.show(this.current + 1, true);
      } else if (target.matches("[data-goto]")) {
        this.show(this.questions.findIndex((question) => question.dataset.position === target.dataset.goto), true);
      } else if (target.matches("[data-clear]")) {
        const question = target.closest("[data-question]");
        writeAnswer(question, null);
        this.changed(question);
      } else if (target.matches("[data-finish]")) {
        event.preventDefault();
        this.leaveWithAnswers(() => { window.location.assign(target.href); });
      }
    });
    const nextSection = this.root.querySelector("[data-next-section]");
    if (nextSection) {
      nextSection.addEventListener("submit", (event) => {
        event.preventDefault();
        if (window.confirm(nextSection.dataset.confirm)) {
          this.leaveWithAnswers(() => { nextSection.submit(); });
        }
      });
    }
    window.addEventListener("online", () => this.flush());
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "hidden") {
        this.flush();
      }
    });
    if (this.root.hasAttribute("data-block-copy-paste")) {
      this.blockCopyPaste();
    }
    if (this.root.hasAttribute("data-web-proctoring")) {
      this.watchBrowsing();
    }
    if (this.data.snapshotUrl) {
      this.takeSnapshots();
    }
  }

  // Navigation ----------------------------------------------------------------------------------------------

  show(index, byHand) {
    if (index < 0 || index >= this.questions.length || index === this.current) {
      return;
    }
    const moved = this.current !== -1;
    this.current = index;
    this.questions.forEach((question, n) => { question.hidden = n !== index; });
    const question = this.questions[index];
    this.root.querySelectorAll("[data-goto]").forEach((button) => {
      button.toggleAttribute("aria-current", button.dataset.goto === question.dataset.position);
    });
    this.root.querySelector("[data-prev]").disabled = index === 0;
    this.root.querySelector("[data-next]").disabled = index === this.questions.length - 1;
    document.title = document.title.replace(/^Question \d+/, `Question ${Number(question.dataset.position) + 1}`);
    if (byHand) {
      question.scrollIntoView({ block: "start" });
      question.querySelector("h2").focus({ preventScroll: true });
    }
    if (moved) {
      this.flush();
      this.rememberPosition(question.dataset.position);
    }
  }

  rememberPosition(position) {
    clearTimeout(this.positionTimer);
    this.positionTimer = setTimeout(() => {
      request(this.data.positionUrl, { position: Number(position) }).catch(() => {
        // Offline: the place is not remembered on the server; the answers are what matters.
      });
    }, POSITION_DELAY);
  }

  // Saving --------------------------------------------------------------------------------------------------

  changed(question) {
    const entry = this.entry(question);
    entry.version += 1;
    entry.answer = readAnswer(question);
    entry.flagged = question.querySelector("[data-flag]").checked;
    entry.sent = false;
    this.saveStore();
    this.paintQuestion(question);
    this.paintStatus();
    const now = Date.now();
    this.firstUnsentAt = this.firstUnsentAt || now;
    clearTimeout(this.saveTimer);
    this.saveTimer = setTimeout(() => this.flush(), Math.min(now + SAVE_DELAY, this.firstUnsentAt + SAVE_MAX_WAIT) - now);
  }

  // Sends every unsent answer, one after the other; a call while sending runs again once that is done.
  flush() {
    clearTimeout(this.saveTimer);
    this.firstUnsentAt = null;
    if (this.sending) {
      this.flushAgain = true;
      return this.sending;
    }
    this.sending = this.sendUnsent().finally(() => {
      this.sending = null;
      if (this.flushAgain) {
        this.flushAgain = false;
        this.flush();
      }
    });
    return this.sending;
  }

  async sendUnsent() {
    for (const question of this.questions) {
      const entry = this.entry(question);
      if (entry.sent || this.leaving) {
        continue;
      }
      const sent = { answer: entry.answer, flagged: entry.flagged };
      const version = entry.version;
      let response;
      try {
        response = await request(this.data.saveUrl, { item_id: Number(question.dataset.itemId), version, ...sent });
      } catch {
        this.goOffline();
        return;
      }
      if (response.status >= 500) {
        this.goOffline();
        return;
      }
      this.goOnline();
      if (response.status === 409) {
        this.leave(await errorMessage(response));   // time is up, or the section closed
        return;
      }
      if (!response.ok) {
        // Refused (too long, a link the server no longer knows, ...): the answer stays queued here and is sent
        // again; the candidate is told, and may change it meanwhile. The other questions still go out.
        entry.refused = await errorMessage(response);
      } else {
        const result = await response.json();
        delete entry.refused;
        // Acknowledged: this version or a newer one is stored. A change made meanwhile stays unsent.
        if (result.version >= version) {
          entry.acknowledged = sent;
        }
        if (result.version >= entry.version) {
          entry.sent = true;
          entry.version = result.version;
        }
        this.setRemaining(result.remaining);
        if (result.section !== this.section) {
          this.leave();
          return;
        }
      }
      this.saveStore();
      this.paintQuestion(question);
      this.paintStatus();
    }
    if (!this.refusedQuestions().length) {
      clearInterval(this.retryTimer);
      this.retryTimer = null;
    }
  }

  refusedQuestions() {
    return this.questions.filter((question) => !this.entry(question).sent && this.entry(question).refused);
  }

  // Sends the queue again every few seconds while the connection is gone or the server refuses an answer.
  keepTrying() {
    this.retryTimer = this.retryTimer || setInterval(() => this.flush(), RETRY_EVERY);
  }

  goOffline() {
    this.offline = true;
    this.offlineBanner.hidden = false;
    this.keepTrying();
    this.paintStatus();
    this.questions.forEach((question) => this.paintQuestion(question));
  }

  goOnline() {
    if (this.offline) {
      this.offline = false;
      this.offlineBanner.hidden = true;
      this.paintStatus();
      this.questions.forEach((question) => this.paintQuestion(question));
    }
  }

  // Runs `then` once every answer is on the server; offline, the candidate stays and is told why.
  async leaveWithAnswers(then) {
    await this.flush();
    if (this.leaving) {
      return;
    }
    if (this.questions.some((question) => !this.entry(question).sent)) {
      this.showMessage(this.offline ? "Some answers are not sent yet. Please wait until the connection is back."
        : "Some answers are not sent yet. Please wait until they are saved.");
    } else {
      then();
    }
  }

  // Off to the link's page, which shows the next section or the done page. The stored answers are kept
  // when only the section changed.
  leave(message) {
    if (this.leaving) {
      return;
    }
    this.leaving = true;
    const go = () => { window.location.assign(this.data.linkUrl); };
    if (message) {
      this.showMessage(message, true);
      setTimeout(go, LEAVE_AFTER);
    } else {
      go();
    }
  }

  // What the page shows ---------------------------------------------------------------------------------------

  // The palette shows what the server holds; a change it has not acknowledged yet is marked as not saved.
  paintQuestion(question) {
    const entry = this.entry(question);
    const { answer, flagged } = entry.acknowledged;
    const number = Number(question.dataset.position) + 1;
    const button = this.root.querySelector(`[data-goto="${question.dataset.position}"]`);
    button.classList.toggle("answered", answer !== null);
    button.classList.toggle("flagged", flagged);
    button.classList.toggle("unsaved", !entry.sent);
    const states = [answer !== null ? "answered" : "not answered"];
    if (flagged) {
      states.push("flagged for review");
    }
    if (!entry.sent) {
      states.push("last change not saved yet");
    }
    button.setAttribute("aria-label", `Question ${number}: ${states.join(", ")}`);
    const state = question.querySelector("[data-item-state]");
    state.textContent = entry.sent ? "Saved" : entry.refused ? `Not saved: ${entry.refused}`
      : this.offline ? "Kept on this device" : "Saving…";
    state.classList.toggle("pending", !entry.sent);
  }

  paintStatus() {
    const unsent = this.questions.filter((question) => !this.entry(question).sent).length;
    const refused = this.refusedQuestions();
    this.saveStatus.textContent = !unsent ? "All answers saved"
      : this.offline ? `Offline: ${unsent} answer(s) kept on this device`
        : refused.length ? `Not saved: ${refused.length} answer(s) kept on this device` : "Saving…";
    this.unsavedNotice.hidden = !refused.length;
    if (refused.length) {
      this.keepTrying();
      const numbers = refused.map((question) => Number(question.dataset.position) + 1).join(", ");
      const one = refused.length === 1;
      this.unsavedNotice.textContent = `${one ? "Your answer to question" : "Your answers to questions"} ${numbers} `
        + `${one ? "is" : "are"} not saved: ${this.entry(refused[0]).refused} ${one ? "It is" : "They are"} kept on `
        + "this device and sent again every few seconds. Keep this page open. If this message does not go away, "
        + "reload the page; if it is still there, tell the organiser of your test.";
    }
  }

  showMessage(text, stay) {
    this.messageBanner.textContent = text;
    this.messageBanner.hidden = false;
    clearTimeout(this.messageTimer);
    if (!stay) {
      this.messageTimer = setTimeout(() => { this.messageBanner.hidden = true; }, MESSAGE_FOR);
    }
  }

  // The clock -----------------------------------------------------------------------------------------------------

  startClock(seconds) {
    this.setRemaining(seconds);
    this.tick();
    setInterval(() => this.tick(), 1000);
    setInterval(() => this.askClock(), (Number(this.data.clockEvery) * 1000) || CLOCK_EVERY);
  }

  setRemaining(seconds) {
    this.endsAt = Date.now() + seconds * 1000;
  }

  tick() {
    const left = Math.max(0, Math.round((this.endsAt - Date.now()) / 1000));
    this.timer.textContent = formatClock(left);
    this.timer.parentElement.classList.toggle("running-out", left <= 300);
    for (const mark of [300, 60]) {
      if (left <= mark && left > mark - 5 && !this.announced[mark]) {
        this.announced[mark] = true;
        this.root.querySelector("[data-time-announcer]").textContent = `${mark / 60} minute(s) left.`;
      }
    }
    if (left === 0 && !this.timeOver) {
      this.timeOver = this.waitForTheEnd().finally(() => { this.timeOver = null; });
    }
  }

  // Asks the server; returns whether the page is leaving (the test or the section is over).
  async askClock() {
    let clock;
    try {
      const response = await request(this.data.clockUrl);
      if (!response.ok) {
        return false;
      }
      clock = await response.json();
    } catch {
      return false;
    }
    if (clock.status !== "exam_started" || clock.section !== this.section) {
      this.leave();
      return true;
    }
    this.setRemaining(clock.remaining);
    if (clock.messages && clock.messages.length) {
      this.showProctorMessage(clock.messages);
    }
    return false;
  }

  // Proctoring -----------------------------------------------------------------------------------------------------

  showProctorMessage(messages) {
    const banner = this.root.querySelector("[data-proctor-message]");
    banner.textContent = `Message from your proctor: ${messages.join(" ")}`;
    banner.hidden = false;
  }

  // Leaving the tab, the window or full screen is reported; the server counts it against the tolerance
  // and answers how many exits are left (or that the test is over).
  watchBrowsing() {
    this.lastExit = 0;
    const report = (kind) => {
      const now = Date.now();
      if (this.leaving || now - this.lastExit < EXIT_DEBOUNCE) {
        return;   // a tab switch fires both visibilitychange and blur: one exit
      }
      this.lastExit = now;
      request(this.data.eventsUrl, { kind })
        .then((response) => (response.ok ? response.json() : null))
        .then((answer) => {
          if (!answer) {
            return;
          }
          if (answer.status !== "exam_started") {
            this.leave();
            return;
          }
          const warning = this.root.querySelector("[data-browsing-warning]");
          warning.textContent = answer.show_left && answer.left !== null
            ? `You left the test window. ${answer.left} more time(s) and the test ends.`
            : "You left the test window. Please stay on this page: leaving too often ends the test.";
          warning.hidden = false;
        })
        .catch(() => {});
    };
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "hidden") {
        report("tab_hidden");
      }
    });
    window.addEventListener("blur", () => report("window_blur"));
    document.addEventListener("fullscreenchange", () => {
      if (!document.fullscreenElement) {
        report("fullscreen_exit");
      }
    });
  }

  // A webcam snapshot every few seconds, uploaded as a JPEG; a camera that fails is simply not used.
  async takeSnapshots() {
    let video;
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: false });
      video = document.createElement("video");
      video.muted = true;
      video.playsInline = true;
      video.srcObject = stream;
      await video.play();
    } catch {
      return;
    }
    const canvas = document.createElement("canvas");
    const shoot = () => {
      if (this.leaving || !video.videoWidth) {
        return;
      }
      canvas.width = Math.min(320, video.videoWidth);
      canvas.height = Math.round(canvas.width * video.videoHeight / video.videoWidth);
      canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
      canvas.toBlob((blob) => {
        if (!blob) {
          return;
        }
        fetch(this.data.snapshotUrl, {
          method: "POST", credentials: "same-origin", body: blob,
          headers: { "Content-Type": "image/jpeg", Accept: "application/json" },
        }).catch(() => {});
      }, "image/jpeg", 0.7);
    };
    setTimeout(shoot, 1000);
    setInterval(shoot, (Number(this.data.snapshotEvery) * 1000) || 60000);
  }

  // At 0 the last answers go out, then the server is asked until it says the test or section is over (its
  // deadline can be up to a second behind this count) or that there is time left after all (extra time).
  async waitForTheEnd() {
    await this.flush();
    while (!this.leaving && !(await this.askClock()) && this.endsAt <= Date.now()) {
      await sleep(1000);
    }
  }

  // Copy and paste ------------------------------------------------------------------------------------------------

  blockCopyPaste() {
    const kinds = { copy: "copy_attempt", cut: "cut_attempt", paste: "paste_attempt", contextmenu: "context_menu_attempt" };
    Object.entries(kinds).forEach(([type, kind]) => {
      document.addEventListener(type, (event) => {
        event.preventDefault();
        this.showMessage("Copying and pasting are turned off in this test.");
        const now = Date.now();
        if (!this.lastReport[kind] || now - this.lastReport[kind] > REPORT_EVERY) {
          this.lastReport[kind] = now;
          request(this.data.eventsUrl, { kind }).catch(() => {});
        }
      });
    });
  }
}

// The on-screen calculator: two numbers and an operator at a time, as on a pocket calculator ---------------

class Calculator {
  constructor(panel, toggle) {
    this.panel = panel;
    this.display = panel.querySelector("[data-calculator-display]");
    this.clear();
    toggle.addEventListener("click", () => {
      panel.hidden = !panel.hidden;
      toggle.setAttribute("aria-expanded", String(!panel.hidden));
      if (!panel.hidden) {
        panel.querySelector("[data-key]").focus();
      }
    });
    panel.addEventListener("click", (event) => {
      const key = event.target.closest("[data-key]");
      if (key) {
        this.press(key.dataset.key);
      }
    });
    // Typing works too. Enter and Space are left alone: they press the focused button.
    panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        panel.hidden = true;
        toggle.setAttribute("aria-expanded", "false");
        toggle.focus();
        return;
      }
      const keys = { Backspace: "back", Delete: "C", ",": "." };
      const key = keys[event.key] || event.key;
      if (/^[0-9.+\-*/=]$/.test(key) || ["back", "C"].includes(key)) {
        event.preventDefault();
        this.press(key);
      }
    });
  }

  clear() {
    this.entry = "0";
    this.stored = null;
    this.operator = null;
    this.fresh = true;
    this.show(this.entry);
  }

  show(text) {
    this.display.textContent = text;
  }

  static compute(a, operator, b) {
    const results = { "+": a + b, "-": a - b, "*": a * b, "/": b === 0 ? NaN : a / b };
    return results[operator];
  }

  static format(value) {
    return Number.isFinite(value) ? String(Number(value.toPrecision(12))) : "Error";
  }

  press(key) {
    if (key === "C") {
      this.clear();
    } else if (/^[0-9.]$/.test(key)) {
      if (this.fresh) {
        this.entry = key === "." ? "0." : key;
        this.fresh = false;
      } else if (!(key === "." && this.entry.includes(".")) && this.entry.length < 15) {
        this.entry = this.entry === "0" && key !== "." ? key : this.entry + key;
      }
      this.show(this.entry);
    } else if (key === "back") {
      this.entry = this.fresh || this.entry.length <= 1 ? "0" : this.entry.slice(0, -1);
      this.fresh = false;
      this.show(this.entry);
    } else if (key === "sign") {
      this.entry = this.entry.startsWith("-") ? this.entry.slice(1) : `-${this.entry}`;
      this.show(this.entry);
    } else {
      // An operator or "=": the pending operation is done with the number entered.
      let value = Number(this.entry);
      if (this.operator && !this.fresh) {
        value = Calculator.compute(this.stored, this.operator, value);
      } else if (this.operator && key === "=") {
        value = this.stored;
      }
      const text = Calculator.format(value);
      this.show(text);
      this.entry = text === "Error" ? "0" : text;
      this.stored = text === "Error" ? null : value;
      this.operator = key === "=" || text === "Error" ? null : key;
      this.fresh = true;
    }
  }
}

document.addEventListener("DOMContentLoaded", () => {
  const root = document.querySelector("[data-exam]");
  if (root) {
    window.proctoraExam = new ExamPage(root);   // a handle for the browser tests
  }
  const calculator = document.querySelector("[data-calculator]");
  if (calculator) {
    window.proctoraCalculator = new Calculator(calculator, document.querySelector("[data-calculator-toggle]"));
  }
  // The done page: answers kept on this device for a finished test are of no more use to anyone here.
  document.querySelectorAll("[data-forget-answers]").forEach((element) => {
    localStorage.removeItem(element.dataset.forgetAnswers);
  });
});
