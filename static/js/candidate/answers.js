// Answers: the shapes the server stores, read from and written to a question's inputs.

function blanksOf(question) {
  // Named q<item>-<n> by the stem's [[n]]; sorted by n, so that the n-th answer fills the n-th blank.
  const number = (input) => Number(input.name.split("-").pop());
  return [...question.querySelectorAll("input.blank")].sort((a, b) => number(a) - number(b));
}

export function readAnswer(question) {
  const name = `q${question.dataset.itemId}`;
  switch (question.dataset.type) {
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
    default: {
      const text = question.querySelector(`[name="${name}"]`).value;
      return text.trim() ? { text } : null;
    }
  }
}

export function writeAnswer(question, answer) {
  const name = `q${question.dataset.itemId}`;
  switch (question.dataset.type) {
    case "MCQ":
    case "MCA": {
      const chosen = answer ? (answer.options || [answer.option]) : [];
      question.querySelectorAll(`input[name="${name}"]`).forEach((input) => { input.checked = chosen.includes(input.value); });
      break;
    }
    case "FITB":
      blanksOf(question).forEach((input, index) => { input.value = (answer && answer.blanks && answer.blanks[index]) || ""; });
      break;
    default:
      question.querySelector(`[name="${name}"]`).value = (answer && answer.text) || "";
  }
}
