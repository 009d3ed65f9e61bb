// Answers: the shapes the server stores, read from and written to a question's inputs.

function blanksOf(question) {
  // Named q<item>-<n> by the stem's [[n]]; sorted by n, so that the n-th answer fills the n-th blank. A blank
  // is a text box, or a list to choose from.
  const number = (input) => Number(input.name.split("-").pop());
  return [...question.querySelectorAll("input.blank, select.blank")].sort((a, b) => number(a) - number(b));
}

// MATCHING: one select per premise, named q<item>-<premise>; ORDERING: the list's rows in their order.
function premiseSelects(question) {
  return [...question.querySelectorAll("select[data-premise]")];
}

function orderRows(question) {
  return [...question.querySelectorAll("[data-order-list] > [data-option]")];
}

export function readAnswer(question) {
  const name = `q${question.dataset.itemId}`;
  switch (question.dataset.type) {
    case "MATCHING": {
      const chosen = premiseSelects(question).filter((select) => select.value);
      return chosen.length ? { pairs: Object.fromEntries(chosen.map((select) => [select.dataset.premise, select.value])) } : null;
    }
    case "ORDERING":
      return { order: orderRows(question).map((row) => row.dataset.option) };
    case "TRUE_FALSE":
    case "MCQ": {
      const chosen = question.querySelector(`input[name="${name}"]:checked`);
      return chosen ? { option: chosen.value } : null;
    }
    case "MCA": {
      const chosen = [...question.querySelectorAll(`input[name="${name}"]:checked`)].map((input) => input.value);
      return chosen.length ? { options: chosen } : null;
    }
    case "FITB": {
      const blanks = blanksOf(question).map((input) => input.value);
      return blanks.some((text) => text.trim()) ? { blanks } : null;
    }
    case "FU":
      return fileAnswer(question);
    default: {
      const text = question.querySelector(`[name="${name}"]`).value;
      return text.trim() ? { text } : null;
    }
  }
}

// A file answer is what the server returned for the uploaded file (upload.js), kept in a hidden input.
function fileAnswer(question) {
  const kept = question.querySelector("[data-file-answer]").value;
  return kept ? JSON.parse(kept) : null;
}

export function writeAnswer(question, answer) {
  const name = `q${question.dataset.itemId}`;
  switch (question.dataset.type) {
    case "MATCHING":
      premiseSelects(question).forEach((select) => {
        select.value = (answer && answer.pairs && answer.pairs[select.dataset.premise]) || "";
      });
      break;
    case "ORDERING": {
      // Without an answer the rows keep the order the server shuffled them in.
      const order = (answer && answer.order) || [];
      const rows = orderRows(question);
      const list = question.querySelector("[data-order-list]");
      const place = (row) => (order.includes(row.dataset.option) ? order.indexOf(row.dataset.option) : order.length);
      [...rows].sort((a, b) => place(a) - place(b)).forEach((row) => list.append(row));
      break;
    }
    case "TRUE_FALSE":
    case "MCQ":
    case "MCA": {
      const chosen = answer ? (answer.options || [answer.option]) : [];
      question.querySelectorAll(`input[name="${name}"]`).forEach((input) => { input.checked = chosen.includes(input.value); });
      break;
    }
    case "FITB":
      blanksOf(question).forEach((input, index) => { input.value = (answer && answer.blanks && answer.blanks[index]) || ""; });
      break;
    case "FU":
      question.querySelector("[data-file-answer]").value = answer && answer.file ? JSON.stringify(answer) : "";
      question.dispatchEvent(new CustomEvent("proctora:file-answer", { detail: { answer } }));
      break;
    default:
      question.querySelector(`[name="${name}"]`).value = (answer && answer.text) || "";
  }
}
