// The on-screen calculator: two numbers and an operator at a time, as on a pocket calculator.

// What the calculator does with the keys pressed; `display` is what it shows.
export class Calculator {
  constructor() {
    this.clear();
  }

  clear() {
    this.entry = "0";
    this.stored = null;
    this.operator = null;
    this.fresh = true;
    this.display = this.entry;
  }

  static compute(a, operator, b) {
    const results = { "+": a + b, "-": a - b, "*": a * b, "/": b === 0 ? NaN : a / b };
    return results[operator];
  }

  // Twelve significant digits hide binary fractions (0.1 + 0.2 shows 0.3).
  static format(value) {
    return Number.isFinite(value) ? String(Number(value.toPrecision(12))) : "Error";
  }

  press(key) {
    if (key === "C") {
      this.clear();
    } else if (/^[0-9.]$/.test(key)) {
      if (this.fresh) {
        this.entry = key === "." ? "0." : key;
        this.fresh = false;
      } else if (!(key === "." && this.entry.includes(".")) && this.entry.length < 15) {
        this.entry = this.entry === "0" && key !== "." ? key : this.entry + key;
      }
      this.display = this.entry;
    } else if (key === "back") {
      this.entry = this.fresh || this.entry.length <= 1 ? "0" : this.entry.slice(0, -1);
      this.fresh = false;
      this.display = this.entry;
    } else if (key === "sign") {
      this.entry = this.entry.startsWith("-") ? this.entry.slice(1) : `-${this.entry}`;
      this.display = this.entry;
    } else {
      // An operator or "=": the pending operation is done with the number entered.
      let value = Number(this.entry);
      if (this.operator && !this.fresh) {
        value = Calculator.compute(this.stored, this.operator, value);
      } else if (this.operator && key === "=") {
        value = this.stored;
      }
      const text = Calculator.format(value);
      this.display = text;
      this.entry = text === "Error" ? "0" : text;
      this.stored = text === "Error" ? null : value;
      this.operator = key === "=" || text === "Error" ? null : key;
      this.fresh = true;
    }
    return this.display;
  }
}

// The panel's buttons and the keyboard drive a Calculator; the toggle shows and hides the panel. The
// calculator's "Error" is shown in the page's language (`messages`).
export function mountCalculator(panel, toggle, messages) {
  const calculator = new Calculator();
  const display = panel.querySelector("[data-calculator-display]");
  const press = (key) => {
    const shown = calculator.press(key);
    display.textContent = shown === "Error" ? messages.text("calculatorError") : shown;
  };
  display.textContent = calculator.display;
  toggle.addEventListener("click", () => {
    panel.hidden = !panel.hidden;
    toggle.setAttribute("aria-expanded", String(!panel.hidden));
    if (!panel.hidden) {
      panel.querySelector("[data-key]").focus();
    }
  });
  panel.addEventListener("click", (event) => {
    const key = event.target.closest("[data-key]");
    if (key) {
      press(key.dataset.key);
    }
  });
  // Typing works too. Enter and Space are left alone: they press the focused button.
  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      panel.hidden = true;
      toggle.setAttribute("aria-expanded", "false");
      toggle.focus();
      return;
    }
    const keys = { Backspace: "back", Delete: "C", ",": "." };
    const key = keys[event.key] || event.key;
    if (/^[0-9.+\-*/=]$/.test(key) || ["back", "C"].includes(key)) {
      event.preventDefault();
      press(key);
    }
  });
  return calculator;
}
