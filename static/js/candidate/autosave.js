// Autosave: sends the offline queue's unsent answers, one after the other, shortly after a change, when the
// connection comes back and every few seconds while offline or refused. "Saved" means acknowledged by the
// server; the page paints what this reports.
import { saveQueue } from "./queue.js";
import { errorMessage, request } from "./request.js";

const SAVE_DELAY = 600;       // ms after the last change...
const SAVE_MAX_WAIT = 900;    // ...but never more than this after the first unsent one, however fast one types
const RETRY_EVERY = 5000;     // ms between resends while offline or refused (the "online" event also resends)

export class Autosave {
  // `page` is told what happens: painted(itemId) after an answer's state changed, connection() when going
  // offline or back online, answered(result) after a save (it returns whether the page leaves), leave(message)
  // when time is up or the section closed; page.leaving stops the sending.
  constructor(page, queue, messages, { saveUrl, storageKey, itemIds }) {
    this.page = page;
    this.queue = queue;
    this.messages = messages;
    this.saveUrl = saveUrl;
    this.storageKey = storageKey;
    this.itemIds = itemIds;
    this.offline = false;
    this.sending = null;
  }

  store() {
    saveQueue(this.storageKey, this.queue);
  }

  unsentIds() {
    return this.itemIds.filter((itemId) => this.queue.isUnsent(itemId));
  }

  refusedIds() {
    return this.itemIds.filter((itemId) => this.queue.isRefused(itemId));
  }

  changed(itemId, answer, flagged) {
    this.queue.change(itemId, answer, flagged);
    this.store();
    this.page.painted(itemId);
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
    for (const itemId of this.itemIds) {
      const sent = this.queue.outgoing(itemId);
      if (!sent || this.page.leaving) {
        continue;
      }
      let response;
      try {
        response = await request(this.saveUrl, { item_id: Number(itemId), ...sent });
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
        this.page.leave(await errorMessage(response, this.messages));   // time is up, or the section closed
        return;
      }
      if (!response.ok) {
        // The answer stays queued here and is sent again; the candidate is told, and may change it meanwhile.
        // The other questions still go out.
        this.queue.refuse(itemId, await errorMessage(response, this.messages));
      } else {
        const result = await response.json();
        this.queue.acknowledge(itemId, sent, result);
        if (this.page.answered(result)) {
          return;
        }
      }
      this.store();
      this.page.painted(itemId);
    }
    if (!this.refusedIds().length) {
      clearInterval(this.retryTimer);
      this.retryTimer = null;
    }
  }

  // Sends the queue again every few seconds while the connection is gone or the server refuses an answer.
  keepTrying() {
    this.retryTimer = this.retryTimer || setInterval(() => this.flush(), RETRY_EVERY);
  }

  goOffline() {
    this.offline = true;
    this.keepTrying();
    this.page.connection();
  }

  goOnline() {
    if (this.offline) {
      this.offline = false;
      this.page.connection();
    }
  }
}
