// The done page: answers kept on this device for a finished test are of no more use to anyone here.
import { forgetQueue } from "./candidate/queue.js";

document.querySelectorAll("[data-forget-answers]").forEach((element) => {
  forgetQueue(element.dataset.forgetAnswers);
});
