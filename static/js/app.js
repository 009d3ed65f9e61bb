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
    const index = list.querySelectorAll("[data-row]").length;
    const html = template.innerHTML.replaceAll("__index__", String(index));
    list.insertAdjacentHTML("beforeend", html);
    return;
  }
  const remover = event.target.closest("[data-remove-row]");
  if (remover) {
    event.preventDefault();
    remover.closest("[data-row]").remove();
  }
});
