// Ordering items: the Move up and Move down buttons move their row, keep the focus on the button pressed,
// announce the row's new place (aria-live) and tell the page the answer changed (an "input" event, as any
// other input does). Alt with the up or down arrow on a row's button moves it too.

function move(button, step, messages) {
  const row = button.closest("[data-option]");
  const list = row.parentElement;
  const rows = [...list.children];
  const place = rows.indexOf(row) + step;
  if (place < 0 || place >= rows.length) {
    return;
  }
  if (step < 0) {
    list.insertBefore(row, rows[place]);
  } else {
    list.insertBefore(row, rows[place].nextSibling);
  }
  button.focus();
  const status = list.parentElement.querySelector("[data-order-status]");
  status.textContent = messages.text("movedTo", {
    text: row.querySelector(".order-text").textContent.trim(), place: place + 1, count: rows.length });
  row.dispatchEvent(new Event("input", { bubbles: true }));
}

export function mountOrdering(root, messages) {
  root.addEventListener("click", (event) => {
    const button = event.target.closest("[data-move]");
    if (button) {
      move(button, Number(button.dataset.move), messages);
    }
  });
  root.addEventListener("keydown", (event) => {
    const button = event.target.closest("[data-move]");
    if (button && event.altKey && (event.key === "ArrowUp" || event.key === "ArrowDown")) {
      event.preventDefault();
      move(button, event.key === "ArrowUp" ? -1 : 1, messages);
    }
  });
}
