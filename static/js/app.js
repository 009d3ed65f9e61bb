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
    numberRows(list);
    return;
  }
  const remover = event.target.closest("[data-remove-row]");
  if (remover) {
    event.preventDefault();
    const row = remover.closest("[data-row]");
    const list = row.parentElement;
    list.dataset.nextIndex ??= String(list.querySelectorAll("[data-row]").length);
    row.remove();
    numberRows(list);
  }
});

// Rows that show their place in the list (blank 1, blank 2, ...) in text, so screen readers say it too.
function numberRows(list) {
  list.querySelectorAll("[data-row]").forEach((row, position) => {
    row.querySelectorAll("[data-row-number]").forEach((number) => { number.textContent = String(position + 1); });
  });
}
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-row]").forEach((row) => numberRows(row.parentElement));
});
document.addEventListener("htmx:afterSwap", (event) => {
  event.detail.target.querySelectorAll("[data-row]").forEach((row) => numberRows(row.parentElement));
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

// Fields that only matter for one choice of another field (an exam's window only when it is Fixed) sit in
// a <fieldset data-show-when="name=value1,value2">, or data-show-when="name" for a ticked checkbox. The
// fieldset is hidden and disabled otherwise, so that what it still holds is not submitted either.
// Without JavaScript every field is shown and submitted.
function showDependentFields(form) {
  const data = new FormData(form);
  form.querySelectorAll("[data-show-when]").forEach((element) => {
    const [name, values] = element.dataset.showWhen.split("=");
    const chosen = data.getAll(name);
    const shown = values === undefined ? chosen.length > 0 : chosen.some((value) => values.split(",").includes(value));
    element.hidden = !shown;
    element.disabled = !shown;
  });
}
document.addEventListener("change", (event) => {
  if (event.target.form && event.target.form.querySelector("[data-show-when]")) {
    showDependentFields(event.target.form);
  }
});
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("form").forEach((form) => {
    if (form.querySelector("[data-show-when]")) {
      showDependentFields(form);
    }
  });
});

// A header checkbox data-select-all="name" ticks or clears every checkbox of that name.
document.addEventListener("change", (event) => {
  const all = event.target.closest("[data-select-all]");
  if (all) {
    document.querySelectorAll(`input[type=checkbox][name="${all.dataset.selectAll}"]`).forEach((box) => {
      box.checked = all.checked;
    });
  }
});

// Read-only inputs holding a link to copy select their whole text when focused.
document.addEventListener("focusin", (event) => {
  if (event.target.matches("[data-select-on-focus]")) {
    event.target.select();
  }
});

// A button data-select-status="state" data-select-name="name" ticks the checkboxes of that name in the rows of
// that state: the live monitor's "Select all waiting", for admitting everyone at the start of an exam.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-select-status]");
  if (button) {
    const { selectStatus, selectName } = button.dataset;
    document.querySelectorAll(`tr[data-status="${selectStatus}"] input[type=checkbox][name="${selectName}"]`)
      .forEach((box) => { box.checked = true; });
  }
});
