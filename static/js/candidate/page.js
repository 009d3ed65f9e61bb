// The exam page: one question at a time with a palette, autosave with per-item versions, an offline mode
// that keeps answers on this device, the countdown from the server's clock and proctoring. The server
// decides everything: what is saved, the time left, when a section or the test is over; the page only shows
// it and sends what was typed. "Saved", in the top bar, on a question and in the palette, means acknowledged
// by the server: an answer it refuses stays queued on this device, is sent again every few seconds and after
// a reload, and a message that stays on screen says what to do.
import { readAnswer, writeAnswer } from "./answers.js";
import { Autosave } from "./autosave.js";
import { Clock } from "./clock.js";
import { Conversation } from "./conversation.js";
import { blockCopyPaste, takeSnapshots, watchBrowsing } from "./proctoring.js";
import { pageMessages } from "./messages.js";
import { loadQueue } from "./queue.js";
import { request } from "./request.js";
import { FileUploads } from "./upload.js";

const POSITION_DELAY = 400;   // ms: flicking through the palette sends only where the candidate stopped
const MESSAGE_FOR = 4000;
const LEAVE_AFTER = 2500;     // ms a "time is up" message stays before the page moves on

export class ExamPage {
  constructor(root) {
    this.root = root;
    this.data = root.dataset;
    this.messages = pageMessages(root);
    this.section = Number(this.data.section);
    this.questions = [...root.querySelectorAll("[data-question]")];
    this.timer = root.querySelector("[data-timer]");
    this.announcer = root.querySelector("[data-time-announcer]");
    this.saveStatus = root.querySelector("[data-save-status]");
    this.offlineBanner = root.querySelector("[data-offline]");
    this.unsavedNotice = root.querySelector("[data-unsaved]");
    this.messageBanner = root.querySelector("[data-message]");
    this.leaving = false;
    this.queue = loadQueue(this.data.storageKey);
    this.autosave = new Autosave(this, this.queue, this.messages, {
      saveUrl: this.data.saveUrl, storageKey: this.data.storageKey,
      itemIds: this.questions.map((question) => question.dataset.itemId),
    });
    this.clock = new Clock(this, { clockUrl: this.data.clockUrl, clockEvery: this.data.clockEvery });
    this.uploads = new FileUploads(this, { uploadUrl: this.data.uploadUrl, storageKey: this.data.storageKey });
    this.conversation = new Conversation(this, root.querySelector("[data-conversation]"),
      root.querySelector("[data-conversation-toggle]"));
    this.questions.forEach((question) => this.reconcile(question));
    this.autosave.store();
    // The questions are served inert, so nothing is chosen before the answers above are in place.
    const layout = root.querySelector("[data-exam-layout]");
    layout.inert = false;
    layout.removeAttribute("aria-busy");
    this.current = -1;
    this.show(this.startIndex(), false);
    this.bindEvents();
    this.clock.start(Number(this.data.remaining));
    this.paintStatus();
    if (this.autosave.unsentIds().length) {
      this.flush();   // answers left unsent on this device last time
    }
  }

  question(itemId) {
    return this.questions.find((question) => question.dataset.itemId === itemId);
  }

  reconcile(question) {
    const shown = this.queue.reconcile(question.dataset.itemId, {
      version: Number(question.dataset.version),
      answer: JSON.parse(question.dataset.answer),
      flagged: question.hasAttribute("data-flagged"),
    });
    writeAnswer(question, shown.answer);
    const flag = question.querySelector("[data-flag]");   // none in an adaptive test
    if (flag) {
      flag.checked = shown.flagged;
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
      // A chosen file is an answer once the server has it (upload.js).
      if (question && !event.target.matches("input[type=file]")) {
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
    // An adaptive test moves on to the question the server chooses once it has the answer.
    const nextItem = this.root.querySelector("[data-next-item]");
    if (nextItem) {
      nextItem.addEventListener("submit", (event) => {
        event.preventDefault();
        const question = this.questions[this.current];
        if (question && readAnswer(question) === null && !window.confirm(nextItem.dataset.confirmUnanswered)) {
          return;
        }
        this.leaveWithAnswers(() => { nextItem.submit(); });
      });
    }
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
      blockCopyPaste(this);
    }
    if (this.root.hasAttribute("data-web-proctoring")) {
      watchBrowsing(this);
    }
    if (this.data.snapshotUrl) {
      takeSnapshots(this);
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
    const [prev, next] = [this.root.querySelector("[data-prev]"), this.root.querySelector("[data-next]")];
    if (prev) {   // an adaptive test shows one question, without a way back or ahead
      prev.disabled = index === 0;
      next.disabled = index === this.questions.length - 1;
    }
    // The title starts with the question's title (see exam.html); only that part changes.
    const title = document.title.split(" · ");
    title[0] = this.messages.text("questionTitle", { number: Number(question.dataset.position) + 1 });
    document.title = title.join(" · ");
    if (byHand) {
      question.scrollIntoView({ block: "start" });
      question.querySelector("h2").focus({ preventScroll: true });
    }
    if (moved) {
      this.flush();
    }
    // A link from the finish summary opens another question than the server remembered: the server counts
    // the time spent on the question shown, so it hears of it too.
    if (moved || question.dataset.position !== this.data.position) {
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

  // Saving: the autosave sends, and tells the page what to show ----------------------------------------------

  changed(question) {
    const flag = question.querySelector("[data-flag]");   // none in an adaptive test
    this.autosave.changed(question.dataset.itemId, readAnswer(question), Boolean(flag?.checked));
  }

  flush() {
    return this.autosave.flush();
  }

  painted(itemId) {
    this.paintQuestion(this.question(itemId));
    this.paintStatus();
  }

  connection() {
    this.offlineBanner.hidden = !this.autosave.offline;
    this.paintStatus();
    this.questions.forEach((question) => this.paintQuestion(question));
  }

  // After a save: the time left, and off to the next page when the section moved on.
  answered(result) {
    this.clock.follow(result.remaining);
    if (result.section !== this.section) {
      this.leave();
      return true;
    }
    return false;
  }

  // Runs `then` once every answer is on the server; offline, the candidate stays and is told why.
  async leaveWithAnswers(then) {
    await this.flush();
    if (this.leaving) {
      return;
    }
    if (this.autosave.unsentIds().length || this.uploads.anyWaiting) {
      this.showMessage(this.messages.text(this.autosave.offline ? "waitOffline" : "waitSaving"));
    } else {
      then();
    }
  }

  // The same page in another language (`href`): it opens once every answer and the question shown are on the
  // server. The clock is the server's deadline, so the time left carries over.
  async reopen(href) {
    clearTimeout(this.positionTimer);
    const shown = Number(this.questions[this.current]?.dataset.position ?? this.data.position);
    try {
      await request(this.data.positionUrl, { position: shown });
    } catch {
      // Offline: the answers below decide whether the page may change.
    }
    await this.leaveWithAnswers(() => { window.location.assign(href); });
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
    const entry = this.queue.entry(question.dataset.itemId);
    const { answer, flagged } = entry.acknowledged;
    const fileWaiting = this.uploads.isWaiting(question.dataset.itemId);
    const number = Number(question.dataset.position) + 1;
    const button = this.root.querySelector(`[data-goto="${question.dataset.position}"]`);
    const text = (key, values) => this.messages.text(key, values);
    if (button) {   // no palette in an adaptive test
      button.classList.toggle("answered", answer !== null);
      button.classList.toggle("flagged", flagged);
      button.classList.toggle("unsaved", !entry.sent || fileWaiting);
      const states = [text(answer !== null ? "answered" : "notAnswered")];
      if (flagged) {
        states.push(text("flaggedForReview"));
      }
      if (!entry.sent || fileWaiting) {
        states.push(text("lastChangeNotSaved"));
      }
      button.setAttribute("aria-label", text("questionState", { number, states: states.join(text("listSeparator")) }));
    }
    const state = question.querySelector("[data-item-state]");
    state.textContent = fileWaiting ? text("fileNotSent") : entry.sent ? text("saved")
      : entry.refused ? text("notSaved", { reason: entry.refused }) : text(this.autosave.offline ? "keptHere" : "saving");
    state.classList.toggle("pending", !entry.sent || fileWaiting);
  }

  paintStatus() {
    const unsent = this.autosave.unsentIds().length;
    const refused = this.autosave.refusedIds().map((itemId) => this.question(itemId));
    this.saveStatus.textContent = !unsent ? this.messages.text("allSaved")
      : this.autosave.offline ? this.messages.count("offlineCount", unsent)
        : refused.length ? this.messages.count("refusedCount", refused.length) : this.messages.text("saving");
    this.unsavedNotice.hidden = !refused.length;
    if (refused.length) {
      this.autosave.keepTrying();
      const numbers = refused.map((question) => Number(question.dataset.position) + 1)
        .join(this.messages.text("listSeparator"));
      this.unsavedNotice.textContent = this.messages.count("refusedNotice", refused.length, {
        numbers, reason: this.queue.entry(refused[0].dataset.itemId).refused });
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

  showProctorMessage(messages) {
    this.showProctorBanner(this.messages.text("proctorMessage", { message: messages.join(" ") }));
    this.conversation.received(messages);
  }

  // The clock jumped: how many minutes were added, with the proctor's reason when it came along (a message of
  // the conversation too).
  showTimeAdded(minutes, messages) {
    this.showProctorBanner(messages.length
      ? this.messages.count("timeAddedBecause", minutes, { reason: messages.join(" ") })
      : this.messages.count("timeAdded", minutes));
    this.conversation.received(messages);
  }

  showProctorBanner(text) {
    const banner = this.root.querySelector("[data-proctor-message]");
    banner.textContent = text;
    banner.hidden = false;
  }
}
