// The exam page (a module, run once the page is parsed): the page with its autosave, clock and proctoring
// (candidate/page.js), and the calculator when the test offers one. Static files are served with no-cache
// and revalidated, so these modules and their imports are always of one version.
import { mountCalculator } from "./candidate/calculator.js";
import { mountLimitedPlayers } from "./candidate/media.js";
import { mountOrdering } from "./candidate/ordering.js";
import { ExamPage } from "./candidate/page.js";

const root = document.querySelector("[data-exam]");
if (root) {
  const page = new ExamPage(root);
  window.proctoraExam = page;   // a handle for the browser tests
  mountLimitedPlayers(root, page.messages);
  mountOrdering(root, page.messages);
  const calculator = document.querySelector("[data-calculator]");
  if (calculator) {
    window.proctoraCalculator = mountCalculator(calculator, document.querySelector("[data-calculator-toggle]"),
      page.messages);
  }
  // Another language is the same page again, with every answer and the question shown kept (page.reopen).
  document.querySelectorAll("[data-languages] a[data-language]").forEach((link) => {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      page.reopen(link.href);
    });
  });
}
