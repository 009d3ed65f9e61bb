// The offline queue: each question's answer with its version, what the server acknowledged and whether the
// latest change is sent (or why it was refused). It lives in localStorage, so that a reload never reuses a
// version number and an answer typed offline or refused survives closing the page. Pure data: the page
// reads and writes the storage, the autosave sends, this decides.

export class OfflineQueue {
  // `text` is what the storage held: nothing or something unreadable is an empty queue.
  constructor(text) {
    try {
      this.store = JSON.parse(text) || { items: {} };
    } catch {
      this.store = { items: {} };
    }
  }

  toJSON() {
    return this.store;
  }

  entry(itemId) {
    return this.store.items[itemId];
  }

  // Meets the server's copy of one answer (from the page) with this device's; returns the answer and flag
  // the question shows.
  reconcile(itemId, server) {
    const local = this.store.items[itemId];
    if (local && !local.sent && local.version > server.version) {
      // Changed on this device after the server's copy (offline, or refused): this is the candidate's latest
      // answer; resend it. The page itself comes from the server: what it holds is what is acknowledged.
      local.acknowledged = { answer: server.answer, flagged: server.flagged };
      return { answer: local.answer, flagged: local.flagged };
    }
    const version = Math.max(server.version, local ? local.version : 0);
    this.store.items[itemId] = {
      ...server, version, sent: true, acknowledged: { answer: server.answer, flagged: server.flagged } };
    return { answer: server.answer, flagged: server.flagged };
  }

  change(itemId, answer, flagged) {
    const entry = this.entry(itemId);
    entry.version += 1;
    entry.answer = answer;
    entry.flagged = flagged;
    entry.sent = false;
  }

  // What to send for one question, or null when its latest change is on the server.
  outgoing(itemId) {
    const entry = this.entry(itemId);
    return entry.sent ? null : { version: entry.version, answer: entry.answer, flagged: entry.flagged };
  }

  // The server stored `result.version` (this one or a newer one) after `sent` went out. A change made
  // meanwhile stays unsent.
  acknowledge(itemId, sent, result) {
    const entry = this.entry(itemId);
    delete entry.refused;
    if (result.version >= sent.version) {
      entry.acknowledged = { answer: sent.answer, flagged: sent.flagged };
    }
    if (result.version >= entry.version) {
      entry.sent = true;
      entry.version = result.version;
    }
  }

  // Refused (too long, a link the server no longer knows, ...): the answer stays queued and is sent again.
  refuse(itemId, message) {
    this.entry(itemId).refused = message;
  }

  isUnsent(itemId) {
    return !this.entry(itemId).sent;
  }

  isRefused(itemId) {
    return this.isUnsent(itemId) && Boolean(this.entry(itemId).refused);
  }
}

// The queue kept in this browser under `key`. Storage may be blocked or full: the answers still go to the
// server; only the offline safety net is lost.
export function loadQueue(key) {
  try {
    return new OfflineQueue(localStorage.getItem(key));
  } catch {
    return new OfflineQueue(null);
  }
}

export function saveQueue(key, queue) {
  try {
    localStorage.setItem(key, JSON.stringify(queue));
  } catch {
    // See loadQueue.
  }
}

export function forgetQueue(key) {
  localStorage.removeItem(key);
  localStorage.removeItem(`${key}-files`);   // the names of files not sent yet (upload.js)
  localStorage.removeItem(`${key}-messages`);   // messages to the proctor not sent (conversation.js)
}
