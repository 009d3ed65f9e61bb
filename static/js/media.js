// The question form's "Insert picture, audio or video": a button after every field that holds HTML
// (data-rich-text), a dialog that uploads the chosen file at once (the server checks it and answers with its
// URL and kind, or why it refused it), asks a picture's text alternative (required) or how many times a
// recording may be played (empty: no limit), and inserts the HTML. A rich-text editor over the field takes
// it through the field's "proctora:insert-html" event and calls preventDefault(); a field no editor
// handles (or shows) gets the HTML at its cursor.
const dialog = document.querySelector("[data-media-dialog]");

function fill(text, values) {
  return text.replace(/%\((\w+)\)[sd]/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

function escapeHtml(text) {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function mediaHtml(upload, alt, plays) {
  if (upload.kind === "image") return `<img src="${escapeHtml(upload.url)}" alt="${escapeHtml(alt)}">`;
  if (upload.kind === "audio") {
    const limit = plays ? ` data-max-plays="${Number(plays)}"` : "";
    return `<audio controls src="${escapeHtml(upload.url)}"${limit}></audio>`;
  }
  return `<video controls src="${escapeHtml(upload.url)}"></video>`;
}

export function insertHtml(field, html) {
  const event = new CustomEvent("proctora:insert-html", { detail: { html }, cancelable: true });
  const handled = !field.dispatchEvent(event) || field.offsetParent === null;
  if (handled) return;
  const start = field.selectionStart ?? field.value.length;
  const end = field.selectionEnd ?? start;
  field.value = field.value.slice(0, start) + html + field.value.slice(end);
  field.selectionStart = field.selectionEnd = start + html.length;
  field.dispatchEvent(new Event("input", { bubbles: true }));
  field.focus();
}

class MediaDialog {
  constructor(element) {
    this.element = element;
    this.data = element.dataset;
    this.form = element.querySelector("[data-media-form]");
    this.file = element.querySelector("[data-media-file]");
    this.alt = element.querySelector("[data-media-alt]");
    this.plays = element.querySelector("[data-media-plays]");
    this.status = element.querySelector("[data-media-status]");
    this.error = element.querySelector("[data-media-error]");
    this.insert = element.querySelector("[data-media-insert]");
    this.file.addEventListener("change", () => this.upload());
    this.form.addEventListener("submit", (event) => this.submit(event));
    element.querySelector("[data-media-cancel]").addEventListener("click", () => element.close());
  }

  open(field) {
    this.field = field;
    this.upload_ = null;
    this.form.reset();
    this.status.textContent = "";
    this.showError("");
    this.showKind(null);
    this.element.showModal();
    this.file.focus();
  }

  showKind(kind) {
    this.element.querySelectorAll("[data-for-media]").forEach((part) => { part.hidden = part.dataset.forMedia !== kind; });
    this.alt.required = kind === "image";
    this.insert.disabled = !kind;
  }

  showError(message) {
    this.error.textContent = message;
    this.error.hidden = !message;
  }

  async upload() {
    const chosen = this.file.files[0];
    this.upload_ = null;
    this.showKind(null);
    this.showError("");
    if (!chosen) return;
    this.status.textContent = fill(this.data.uploading, { file: chosen.name });
    const body = new FormData();
    body.append("csrf_token", this.form.elements.csrf_token.value);
    body.append("file", chosen);
    let answer;
    try {
      const response = await fetch(this.data.uploadUrl, {
        method: "POST", body, credentials: "same-origin",
        headers: { Accept: "application/json", "Accept-Language": document.documentElement.lang || "en" },
      });
      answer = await response.json().catch(() => ({ error: { message: String(response.status) } }));
      if (!response.ok) {
        this.status.textContent = "";
        this.showError((answer.error && answer.error.message) || fill(this.data.uploadFailed, { reason: response.status }));
        return;
      }
    } catch (error) {
      this.status.textContent = "";
      this.showError(fill(this.data.uploadFailed, { reason: error.message }));
      return;
    }
    this.upload_ = answer;
    this.status.textContent = fill(this.data.uploaded, { file: answer.filename });
    this.showKind(answer.kind);
    (answer.kind === "image" ? this.alt : answer.kind === "audio" ? this.plays : this.insert).focus();
  }

  submit(event) {
    if (!this.upload_) {
      event.preventDefault();
      return;
    }
    insertHtml(this.field, mediaHtml(this.upload_, this.alt.value.trim(), this.plays.value));
  }
}

function addButtons(scope, mediaDialog) {
  scope.querySelectorAll("[data-rich-text]:not([data-media-button-added])").forEach((field) => {
    field.dataset.mediaButtonAdded = "";
    const button = document.createElement("button");
    button.type = "button";
    button.className = "secondary outline small media-button";
    button.dataset.insertMedia = "";
    button.textContent = mediaDialog.data.buttonLabel;
    button.addEventListener("click", () => mediaDialog.open(field));
    field.after(button);
  });
}

if (dialog) {
  const mediaDialog = new MediaDialog(dialog);
  addButtons(document, mediaDialog);
  // Option rows added from their <template>, and the type's fields swapped in by htmx, get theirs too.
  new MutationObserver(() => addButtons(document, mediaDialog)).observe(document.body, { childList: true, subtree: true });
}
