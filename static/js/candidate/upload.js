// File answers: the chosen file goes to the server first (it checks and stores it), then the answer the server
// returns, {"file": {...}}, is saved by the autosave like any other answer. Sending a file needs the connection:
// offline the file stays chosen on this page and goes out when the connection is back; it cannot be kept in
// the browser's storage, so after a reload the page says which file to choose again. Until the server has the
// file, the question is "not saved".
import { writeAnswer } from "./answers.js";
import { errorMessage } from "./request.js";

const RETRY_EVERY = 5000;

export class FileUploads {
  constructor(page, { uploadUrl, storageKey }) {
    this.page = page;
    this.uploadUrl = uploadUrl;
    this.storageKey = `${storageKey}-files`;
    this.waiting = new Map();   // item id -> the File chosen and not yet on the server
    this.questions = page.questions.filter((question) => question.querySelector("[data-answer-file]"));
    this.questions.forEach((question) => {
      this.showSent(question, readAnswerFile(question));
      question.addEventListener("proctora:file-answer", (event) => this.showSent(question, event.detail.answer));
      question.querySelector("[data-file-input]").addEventListener("change", (event) => {
        const file = event.target.files[0];
        if (file) {
          this.waiting.set(question.dataset.itemId, file);
          this.remember();
          this.send(question);
        }
      });
    });
    this.askAgainForLost();
    window.addEventListener("online", () => this.sendWaiting());
  }

  isWaiting(itemId) {
    return this.waiting.has(itemId);
  }

  get anyWaiting() {
    return this.waiting.size > 0;
  }

  async send(question) {
    const itemId = question.dataset.itemId;
    const file = this.waiting.get(itemId);
    if (!file || this.page.leaving) {
      return;
    }
    this.state(question, this.page.messages.text("fileSending"));
    this.page.painted(itemId);
    const body = new FormData();
    body.append("item_id", itemId);
    body.append("file", file, file.name);
    let response;
    try {
      response = await fetch(this.uploadUrl, {
        method: "POST", body, credentials: "same-origin",
        headers: { Accept: "application/json", "Accept-Language": document.documentElement.lang || "en" },
      });
    } catch {
      this.offline(question, file);
      return;
    }
    if (response.status >= 500) {
      this.offline(question, file);
      return;
    }
    if (this.waiting.get(itemId) !== file) {
      return;   // another file was chosen meanwhile: that one counts
    }
    if (response.status === 409) {
      this.page.leave(await errorMessage(response, this.page.messages));
      return;
    }
    this.forget(itemId);
    if (!response.ok) {
      const reason = await errorMessage(response, this.page.messages);
      question.querySelector("[data-file-input]").value = "";
      this.state(question, this.page.messages.text("fileRefused", { reason }));
    } else {
      const result = await response.json();
      this.state(question, "");
      writeAnswer(question, result.answer);
      this.page.changed(question);
      this.page.flush();
    }
    this.page.painted(itemId);
  }

  offline(question, file) {
    this.state(question, this.page.messages.text("fileOffline", { name: file.name }));
    this.page.painted(question.dataset.itemId);
    this.retryTimer = this.retryTimer || setInterval(() => this.sendWaiting(), RETRY_EVERY);
  }

  sendWaiting() {
    if (!this.waiting.size) {
      clearInterval(this.retryTimer);
      this.retryTimer = null;
      return;
    }
    this.questions.filter((question) => this.waiting.has(question.dataset.itemId)).forEach((question) => this.send(question));
  }

  forget(itemId) {
    this.waiting.delete(itemId);
    this.remember();
  }

  // The names of the files not yet sent, so that a reload can ask for them again.
  remember() {
    try {
      if (this.waiting.size) {
        const names = Object.fromEntries([...this.waiting].map(([itemId, file]) => [itemId, file.name]));
        localStorage.setItem(this.storageKey, JSON.stringify(names));
      } else {
        localStorage.removeItem(this.storageKey);
      }
    } catch {
      // Storage blocked or full: only the reminder after a reload is lost.
    }
  }

  askAgainForLost() {
    let lost = {};
    try {
      lost = JSON.parse(localStorage.getItem(this.storageKey)) || {};
      localStorage.removeItem(this.storageKey);
    } catch {
      lost = {};
    }
    this.questions.forEach((question) => {
      const name = lost[question.dataset.itemId];
      if (name) {
        this.state(question, this.page.messages.text("fileLost", { name }));
      }
    });
  }

  state(question, text) {
    question.querySelector("[data-file-state]").textContent = text;
  }

  showSent(question, answer) {
    const sent = question.querySelector("[data-file-sent]");
    sent.textContent = answer && answer.file
      ? this.page.messages.text("fileSent", { name: answer.file.name, size: fileSize(answer.file.size) }) : "";
  }
}

function readAnswerFile(question) {
  const kept = question.querySelector("[data-file-answer]").value;
  return kept ? JSON.parse(kept) : null;
}

// 20 byte, 12.5 kB, 3.2 MB in the page's language.
export function fileSize(bytes) {
  const [unit, size] = bytes >= 1024 * 1024 ? ["megabyte", 1024 * 1024] : bytes >= 1024 ? ["kilobyte", 1024] : ["byte", 1];
  return new Intl.NumberFormat(document.documentElement.lang || "en", {
    style: "unit", unit, maximumFractionDigits: 1,
  }).format(bytes / size);
}
