// LaTeX in questions, \( ... \) inline and \[ ... \] displayed, rendered with KaTeX (static/vendor/katex-*).
// KaTeX (about 600 kB with its fonts) is loaded only once a page holds a delimiter, so pages without math
// stay light. It renders through the DOM (element.style, never style="" markup), which the strict
// Content-Security-Policy allows. Any part of a page can ask for rendering with the event
// "proctora:render-math" (the editor's formula preview does); htmx swaps are rendered on their own.
(() => {
  const base = document.currentScript.dataset.katex;
  const DELIMITER = /\\\(|\\\[/;
  const OPTIONS = {
    delimiters: [
      { left: "\\[", right: "\\]", display: true },
      { left: "\\(", right: "\\)", display: false },
    ],
    // The editor's own area is never typeset: the author edits the LaTeX source there.
    ignoredClasses: ["jodit-container", "no-math"],
    throwOnError: false,
    trust: false,
    strict: "ignore",
    maxExpand: 500,
  };
  let loading = null;

  function load(src) {
    return new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = base + src;
      script.onload = resolve;
      script.onerror = reject;
      document.head.append(script);
    });
  }

  function loadKatex() {
    if (!loading) {
      const sheet = document.createElement("link");
      sheet.rel = "stylesheet";
      sheet.href = base + "katex.min.css";
      document.head.append(sheet);
      loading = load("katex.min.js").then(() => load("contrib/auto-render.min.js"));
    }
    return loading;
  }

  async function renderMath(root) {
    if (!root || !DELIMITER.test(root.textContent || "")) {
      return;
    }
    await loadKatex();
    window.renderMathInElement(root, OPTIONS);
    root.dispatchEvent(new CustomEvent("proctora:math-rendered", { bubbles: true }));
  }

  document.addEventListener("DOMContentLoaded", () => { renderMath(document.body); });
  document.addEventListener("htmx:afterSettle", (event) => { renderMath(event.detail.elt); });
  document.addEventListener("proctora:render-math", (event) => { renderMath(event.target); });
})();
