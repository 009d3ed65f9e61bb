// The exam page's conversation with the proctor: a panel in the page's flow (it pushes the question down,
// never covers it), opened by its button in the top bar. A message the candidate writes goes out with a key
// of its own and stays on this device until the server acknowledges it: typed offline, it is sent when the
// connection is back; sent twice, the server stores it once. The proctor's messages come with the clock poll.
import { errorMessage, request } from "./request.js";

const RETRY_EVERY = 5000;   // ms between tries while a message is not acknowledged

function newKey() {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

export class Conversation {
  // `page` gives data.storageKey, messages and leaving; `panel` is the [data-conversation] section.
  constructor(page, panel, toggle) {
    this.page = page;
    this.panel = panel;
    this.toggle = toggle;
    this.log = panel.querySelector("[data-conversation-log]");
    this.form = panel.querySelector("[data-conversation-form]");
    this.box = this.form.elements.body;
    this.error = panel.querySelector("[data-conversation-error]");
    this.status = panel.querySelector("[data-conversation-status]");
    this.badge = toggle.querySelector("[data-conversation-new]");
    this.storageKey = `${page.data.storageKey}-messages`;
    this.unseen = 0;
    this.outbox = this.load();
    this.outbox.forEach((message) => { message.line = this.add(message.body, true, "messageKept"); });
    toggle.addEventListener("click", () => this.open(toggle.getAttribute("aria-expanded") !== "true"));
    panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        this.open(false);
        toggle.focus();
      }
    });
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.write();
    });
    window.addEventListener("online", () => this.send());
    this.send();
  }

  load() {
    try {
      const stored = JSON.parse(localStorage.getItem(this.storageKey));
      return Array.isArray(stored) ? stored.filter((message) => message && message.key && message.body) : [];
    } catch {
      return [];
    }
  }

  store() {
    try {
      localStorage.setItem(this.storageKey, JSON.stringify(this.outbox.map(({ key, body }) => ({ key, body }))));
    } catch {
      // Storage blocked or full: the message still goes out while the page stays open.
    }
  }

  open(shown) {
    this.panel.hidden = !shown;
    this.toggle.setAttribute("aria-expanded", String(shown));
    if (shown) {
      this.unseen = 0;
      this.paintBadge();
      this.log.scrollTop = this.log.scrollHeight;
      this.box.focus();
    }
  }

  // One line of the conversation; the candidate's own carries its state (sending, kept, sent).
  add(body, mine, state) {
    const line = document.createElement("li");
    line.className = mine ? "mine" : "theirs";
    const author = document.createElement("strong");
    author.textContent = this.page.messages.text(mine ? "messageYou" : "messageProctor");
    const text = document.createElement("span");
    text.dir = "auto";
    text.textContent = body;
    line.append(author, " ", text);
    if (mine) {
      line.append(document.createElement("small"));
      this.paint(line, state);
    }
    this.log.append(line);
    this.log.scrollTop = this.log.scrollHeight;
    this.panel.querySelector("[data-conversation-empty]").hidden = true;
    return line;
  }

  paint(line, state) {
    line.querySelector("small").textContent = this.page.messages.text(state);
    line.dataset.state = state;
  }

  paintBadge() {
    this.badge.hidden = !this.unseen;
    this.badge.textContent = this.unseen ? String(this.unseen) : "";
    this.toggle.setAttribute("aria-label", this.unseen
      ? this.page.messages.count("messagesUnseen", this.unseen) : this.page.messages.text("messagesTitle"));
  }

  // The proctor's messages from the clock poll (the banner says them aloud).
  received(bodies) {
    bodies.forEach((body) => this.add(body, false));
    if (this.panel.hidden) {
      this.unseen += bodies.length;
      this.paintBadge();
    }
  }

  write() {
    const body = this.box.value.trim();
    if (!body) {
      return;
    }
    this.box.value = "";
    this.error.hidden = true;
    const message = { key: newKey(), body };
    message.line = this.add(body, true, "messageSending");
    this.outbox.push(message);
    this.store();
    this.send();
  }

  // Sends what is not acknowledged, oldest first; offline or a busy server, it tries again later.
  async send() {
    if (this.sending || this.page.leaving) {
      return;
    }
    this.sending = true;
    clearTimeout(this.retry);
    try {
      let done = true;
      while (this.outbox.length && done) {
        done = await this.sendFirst();
      }
    } finally {
      this.sending = false;
      if (this.outbox.length) {
        this.retry = setTimeout(() => this.send(), RETRY_EVERY);
      }
    }
  }

  // Whether the first message is done with (acknowledged, or refused for good).
  async sendFirst() {
    const message = this.outbox[0];
    let response;
    try {
      response = await request(this.panel.dataset.sendUrl, { key: message.key, body: message.body });
    } catch {
      this.paint(message.line, "messageKept");
      this.status.textContent = this.page.messages.text("messageKept");
      return false;
    }
    if (response.status === 429 || response.status >= 500) {
      this.paint(message.line, "messageKept");
      return false;
    }
    this.outbox.shift();
    this.store();
    if (response.ok) {
      this.paint(message.line, "messageSent");
      this.status.textContent = this.page.messages.text("messageSent");
      return true;
    }
    // Refused (too long, the test is over): the candidate reads why and gets the text back to change it.
    this.error.textContent = this.page.messages.text("messageRefused", {
      reason: await errorMessage(response, this.page.messages) });
    this.error.hidden = false;
    message.line.remove();
    if (!this.box.value) {
      this.box.value = message.body;
    }
    return true;
  }
}
