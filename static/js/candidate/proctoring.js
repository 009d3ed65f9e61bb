// Proctoring on the exam page: leaving the tab, the window or full screen, copy and paste when the exam
// turns them off, and webcam snapshots. The server counts and decides; this reports.
import { captureJpeg } from "./camera.js";
import { request } from "./request.js";

const REPORT_EVERY = 5000;    // ms: one report of a blocked copy or paste per kind, however many tries
const EXIT_DEBOUNCE = 1000;   // ms: one tab switch fires visibilitychange and blur; it counts once

// Leaving the tab, the window or full screen is reported; the server counts it against the tolerance and
// answers how many exits are left (or that the test is over). `page` gives eventsUrl, the warning
// element, leaving and leave().
export function watchBrowsing(page) {
  let lastExit = 0;
  const report = (kind) => {
    const now = Date.now();
    if (page.leaving || now - lastExit < EXIT_DEBOUNCE) {
      return;   // a tab switch fires both visibilitychange and blur: one exit
    }
    lastExit = now;
    request(page.data.eventsUrl, { kind })
      .then((response) => (response.ok ? response.json() : null))
      .then((answer) => {
        if (!answer) {
          return;
        }
        if (answer.status !== "exam_started") {
          page.leave();
          return;
        }
        const warning = page.root.querySelector("[data-browsing-warning]");
        warning.textContent = answer.show_left && answer.left !== null
          ? page.messages.count("leftWindowCount", answer.left) : page.messages.text("leftWindow");
        warning.hidden = false;
      })
      .catch(() => {});
  };
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") {
      report("tab_hidden");
    }
  });
  window.addEventListener("blur", () => report("window_blur"));
  document.addEventListener("fullscreenchange", () => {
    if (!document.fullscreenElement) {
      report("fullscreen_exit");
    }
  });
}

// Copy, cut, paste and the context menu do nothing; the candidate is told, the server hears of it.
export function blockCopyPaste(page) {
  const lastReport = {};
  const kinds = { copy: "copy_attempt", cut: "cut_attempt", paste: "paste_attempt", contextmenu: "context_menu_attempt" };
  Object.entries(kinds).forEach(([type, kind]) => {
    document.addEventListener(type, (event) => {
      event.preventDefault();
      page.showMessage(page.messages.text("copyPasteOff"));
      const now = Date.now();
      if (!lastReport[kind] || now - lastReport[kind] > REPORT_EVERY) {
        lastReport[kind] = now;
        request(page.data.eventsUrl, { kind }).catch(() => {});
      }
    });
  });
}

// A webcam snapshot every few seconds, uploaded as a JPEG; a camera that fails is simply not used.
export async function takeSnapshots(page) {
  let video;
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: false });
    video = document.createElement("video");
    video.muted = true;
    video.playsInline = true;
    video.srcObject = stream;
    await video.play();
  } catch {
    return;
  }
  const shoot = () => {
    if (page.leaving || !video.videoWidth) {
      return;
    }
    captureJpeg(video, { maxWidth: 320, quality: 0.7 }, (blob) => {
      if (!blob) {
        return;
      }
      fetch(page.data.snapshotUrl, {
        method: "POST", credentials: "same-origin", body: blob,
        headers: { "Content-Type": "image/jpeg", Accept: "application/json" },
      }).catch(() => {});
    });
  };
  setTimeout(shoot, 1000);
  setInterval(shoot, (Number(page.data.snapshotEvery) * 1000) || 60000);
}
