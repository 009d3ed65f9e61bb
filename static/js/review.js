// Reviewing a sitting (console): the timeline's flagged moments, stepped through with the buttons or the keys
// N (next) and P (previous), and snapshots shown larger when activated. A module file: the CSP allows no
// inline script.
let current = -1;

function step(by) {
  const moments = [...document.querySelectorAll("[data-timeline] [data-flagged]")];
  if (!moments.length) {
    return;
  }
  current = current === -1 && by < 0 ? moments.length - 1 : (current + by + moments.length) % moments.length;
  const shown = moments[current];
  moments.forEach((row) => row.classList.toggle("current-flag", row === shown));
  shown.scrollIntoView({ block: "center" });
  shown.focus({ preventScroll: true });
  const position = document.querySelector("[data-flag-position]");
  position.textContent = position.dataset.template
    .replace("%(number)s", String(current + 1)).replace("%(count)s", String(moments.length));
}

document.addEventListener("click", (event) => {
  const stepper = event.target.closest("[data-step-flag]");
  if (stepper) {
    step(Number(stepper.dataset.stepFlag));
  }
  const snapshot = event.target.closest("[data-enlarge]");
  if (snapshot) {
    const larger = snapshot.getAttribute("aria-expanded") !== "true";
    snapshot.setAttribute("aria-expanded", String(larger));
    snapshot.classList.toggle("enlarged", larger);
  }
});

// The keys where no text is typed; by their place on the keyboard, so they work in any layout.
document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey || event.target.closest("input, textarea, select, [contenteditable]")) {
    return;
  }
  if (event.code === "KeyN") {
    step(1);
  } else if (event.code === "KeyP") {
    step(-1);
  }
});
