// Console behaviour that must not live in inline scripts (the Content-Security-Policy forbids them).
document.addEventListener("submit", (event) => {
  const button = event.submitter;
  const message = (button && button.dataset.confirm) || event.target.dataset.confirm;
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});

// Buttons that add a row to a repeating group by cloning its <template>, e.g. the options of a question.
document.addEventListener("click", (event) => {
  const adder = event.target.closest("[data-add-row]");
  if (adder) {
    event.preventDefault();
    const template = document.getElementById(adder.dataset.addRow);
    const list = document.getElementById(adder.dataset.target);
    // Indices are never reused: after a removal the row count would name an index still in use.
    const index = Number(list.dataset.nextIndex ?? list.querySelectorAll("[data-row]").length);
    list.dataset.nextIndex = String(index + 1);
    const html = template.innerHTML.replaceAll("__index__", String(index));
    list.insertAdjacentHTML("beforeend", html);
    return;
  }
  const remover = event.target.closest("[data-remove-row]");
  if (remover) {
    event.preventDefault();
    const row = remover.closest("[data-row]");
    row.parentElement.dataset.nextIndex ??= String(row.parentElement.querySelectorAll("[data-row]").length);
    row.remove();
  }
});

// Assessment settings: the fields of one kind (a certification's pass mark, a placement test's levels)
// are shown only while that kind is chosen. Without JavaScript all of them stay visible.
function showSettingsOfKind(select) {
  document.querySelectorAll("[data-for-kind]").forEach((element) => {
    element.hidden = element.dataset.forKind !== select.value;
  });
}
document.addEventListener("change", (event) => {
  if (event.target.matches("[data-kind-switch]")) {
    showSettingsOfKind(event.target);
  }
});
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-kind-switch]").forEach(showSettingsOfKind);
});
