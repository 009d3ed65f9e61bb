// The instructions page: before the candidate presses Start (and the clock runs), fetch every picture,
// recording and video of the paper into the browser's cache, so that none waits for the network once the
// test runs; the page says how far it got. Start stays usable: what is not loaded loads when shown.
import { pageMessages } from "./candidate/messages.js";

const root = document.querySelector("[data-preload]");
if (root) {
  const messages = pageMessages(root);
  const urls = JSON.parse(root.dataset.preload);
  let done = 0;
  let failed = 0;
  const show = () => {
    if (done + failed < urls.length) {
      root.textContent = messages.text("mediaLoading", { done, total: urls.length });
    } else {
      root.textContent = messages.text(failed ? "mediaFailed" : "mediaReady");
      root.dataset.preloaded = failed ? "partly" : "all";
    }
  };
  show();
  urls.forEach((url) => {
    fetch(url, { credentials: "same-origin" })
      .then((response) => (response.ok ? response.blob() : Promise.reject(new Error(String(response.status)))))
      .then(() => { done += 1; }, () => { failed += 1; })
      .finally(show);
  });
}
