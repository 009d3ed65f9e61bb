// The rich-text editor (Jodit, static/vendor/jodit-*) on every <textarea data-rich-text> of the console.
// The textarea stays the form's field: the editor writes its HTML back into it, so the form posts as
// before, and without JavaScript the plain textarea works as it always did. The server sanitises what is
// saved either way (webapp/bank/sanitize.py). Messages come translated from the form's data-editor-*
// attributes; Jodit's own buttons use its language packs (de, es, ar) and right-to-left in Arabic.
(() => {
  const LANGUAGES = new Set(["en", "de", "es", "ar"]);
  const DELIMITED = /\\\([\s\S]*?\\\)|\\\[[\s\S]*?\\\]/g;
  const BUTTONS = [
    "bold", "italic", "underline", "subscript", "superscript", "|",
    "ul", "ol", "paragraph", "|", "link", "table", "math", "|", "undo", "redo", "source",
  ];

  // The visible text of the field's label (the label wraps the textarea), or the textarea's aria-label.
  function accessibleName(textarea) {
    const named = textarea.getAttribute("aria-label");
    if (named) {
      return named;
    }
    const label = textarea.labels && textarea.labels[0];
    if (!label) {
      return "";
    }
    return Array.from(label.childNodes)
      .filter((node) => node.nodeType === Node.TEXT_NODE || (node.nodeType === Node.ELEMENT_NODE && !node.matches("textarea, input, select, [aria-hidden=true], .jodit-container")))
      .map((node) => node.textContent)
      .join(" ").replace(/\s+/g, " ").trim();
  }

  // Under the field: each formula of the field rendered by static/js/math.js, as the candidate will see it.
  function updatePreview(preview, editor) {
    const formulas = (editor.editor.textContent || "").match(DELIMITED) || [];
    preview.replaceChildren(...formulas.map((formula) => {
      const item = document.createElement("span");
      item.className = "math-formula";
      item.textContent = formula;
      return item;
    }));
    preview.hidden = formulas.length === 0;
    if (formulas.length) {
      preview.dispatchEvent(new CustomEvent("proctora:render-math", { bubbles: true }));
    }
  }

  // Each textarea's editor, kept here rather than in an attribute of the textarea: htmx settles a swap by
  // putting the server's attributes back.
  const editors = new WeakMap();

  function makeEditor(textarea) {
    if (editors.has(textarea)) {
      return;
    }
    const form = textarea.closest("[data-editor-math]") || document.body;
    const lang = document.documentElement.lang.split("-")[0];
    const rows = Number(textarea.getAttribute("rows") || 3);
    // A one-line field (an option) stays inline: Enter breaks the line instead of opening a paragraph.
    const oneLine = rows <= 1;
    const editor = Jodit.make(textarea, {
      language: LANGUAGES.has(lang) ? lang : "en",
      direction: document.documentElement.dir === "rtl" ? "rtl" : "ltr",
      buttons: BUTTONS,
      toolbarAdaptive: false,
      toolbarButtonSize: "small",
      statusbar: false,
      showPlaceholder: false,
      minHeight: Math.max(80, rows * 28),
      height: "auto",
      enter: oneLine ? "br" : "p",
      tabIndex: 0,   // in the page's tab order like the textarea it stands for
      // Pasted HTML is kept as it is (the server sanitises it); no dialogs in the way.
      askBeforePasteHTML: false,
      askBeforePasteFromWord: false,
      defaultActionOnPaste: "insert_as_html",
      // Nothing is fetched from outside the app (the source view is a plain textarea, not a CDN's editor).
      sourceEditor: "area",
      beautifyHTML: false,
      sourceEditorCDNUrlsJS: [],
      beautifyHTMLCDNUrlsJS: [],
      disablePlugins: [
        "about", "ai-assistant", "powered-by-jodit", "speech-recognize", "file", "image", "video", "iframe",
        "print", "preview", "fullsize", "stat", "xpath", "spellcheck", "search", "drag-and-drop-element",
      ],
      // The item's HTML is kept as written: no &nbsp; rewriting, no empty paragraphs removed, <b> stays <b>.
      cleanHTML: { replaceNBSP: false, fillEmptyParagraph: false, removeEmptyElements: false, replaceOldTags: false },
      controls: {
        paragraph: { list: { p: "Normal", h3: "Heading 3", h4: "Heading 4", h5: "Heading 5", pre: "Code" } },
        math: {
          name: "math",
          text: "∑",
          tooltip: form.dataset.editorMath || "LaTeX",
          // Inserts \( \) with the cursor inside, where the formula is written.
          exec: (jodit) => {
            const formula = jodit.createInside.text("\\( \\)");
            jodit.s.insertNode(formula, false);
            const inside = jodit.ed.createRange();
            inside.setStart(formula, 3);
            inside.collapse(true);
            jodit.s.selectRange(inside);
          },
        },
      },
    });

    editors.set(textarea, editor);
    // Hidden by its `hidden` attribute rather than Jodit's style="display: none": htmx copies the style of
    // a swapped-out element with the same id onto the new one, which the Content-Security-Policy refuses.
    textarea.removeAttribute("style");
    textarea.hidden = true;
    const area = editor.editor;
    area.setAttribute("role", "textbox");
    area.setAttribute("aria-multiline", "true");
    area.setAttribute("aria-label", accessibleName(textarea));
    for (const attribute of ["aria-describedby", "aria-invalid"]) {
      if (textarea.hasAttribute(attribute)) {
        area.setAttribute(attribute, textarea.getAttribute(attribute));
      }
    }
    // Out of the <label>: a click in the editor must not be handed on to the hidden textarea.
    const label = textarea.closest("label");
    if (label) {
      label.after(editor.container);
    }

    const preview = document.createElement("div");
    preview.className = "math-preview";
    preview.hidden = true;
    preview.setAttribute("aria-live", "polite");
    preview.setAttribute("aria-label", form.dataset.editorPreview || "");
    editor.container.after(preview);

    // Where the cursor last was in the editor (the media button takes the focus away): inserts go there.
    let cursor = null;
    document.addEventListener("selectionchange", () => {
      const selection = document.getSelection();
      if (selection.rangeCount && area.contains(selection.getRangeAt(0).startContainer)) {
        cursor = selection.getRangeAt(0).cloneRange();
      }
    });
    textarea.addEventListener("proctora:insert-html", (event) => {
      event.preventDefault();   // handled here (static/js/media.js otherwise inserts into the textarea)
      area.focus();
      if (cursor) {
        editor.s.selectRange(cursor);
      } else {
        editor.s.setCursorIn(area, false);
      }
      editor.s.insertHTML(event.detail.html);
      textarea.value = editor.value;
    });
    editor.events.on("change", () => updatePreview(preview, editor));
    updatePreview(preview, editor);
  }

  // Jodit hides its toolbar's focus helper (an <input> for editors inside a <label>) with a style=""
  // attribute, which the Content-Security-Policy refuses (and reports); app.css hides it by its class.
  function focusHelperWithoutStyle(container) {
    const input = this.j.create.element("input", {
      name: "jodit-toolbar-focus-helper_" + this.j.id, tabIndex: -1, disabled: true, class: "jodit-focus-helper",
    });
    container.prepend(input);
  }

  function makeEditors(root) {
    if (window.Jodit) {
      root.querySelectorAll("textarea[data-rich-text]").forEach(makeEditor);
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    if (window.Jodit) {
      Jodit.modules.ToolbarEditorCollection.prototype.prependInvisibleInput = focusHelperWithoutStyle;
    }
    makeEditors(document);
  });
  // Fields added later: an option row cloned from its <template> (app.js, whose click handler runs first),
  // and the type's fields once htmx has settled them (before that, htmx still rewrites their attributes).
  document.addEventListener("click", (event) => {
    const adder = event.target.closest("[data-add-row]");
    if (adder) {
      makeEditors(document.getElementById(adder.dataset.target));
    }
  });
  document.addEventListener("htmx:afterSettle", (event) => { makeEditors(event.detail.elt); });

  // The textarea holds the editor's latest HTML when the form posts (the editor writes back after a pause),
  // and before the browser checks the form: a required field must not look empty then.
  function synchronize(form) {
    form.querySelectorAll("textarea[data-rich-text]").forEach((textarea) => {
      const editor = editors.get(textarea);
      if (editor) {
        textarea.value = editor.value;   // at once: Jodit's own write-back waits for a pause in typing
      }
    });
  }
  document.addEventListener("click", (event) => {
    const button = event.target.closest("button, input[type=submit]");
    if (button && button.form && button.type === "submit") {
      synchronize(button.form);
    }
  }, true);
  document.addEventListener("submit", (event) => { synchronize(event.target); }, true);
})();
