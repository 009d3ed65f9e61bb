// The check page: what the browser can do (sent with the form as JSON), and, when the exam needs photos,
// the camera. The camera starts only after the candidate agreed and pressed the button; a photo taken is
// put into the form's file field, so the form is an ordinary upload (a file can be chosen instead).
import { captureJpeg } from "./candidate/camera.js";
import { pageMessages } from "./candidate/messages.js";

function storageWorks() {
  try {
    const probe = "proctora-check";
    window.localStorage.setItem(probe, probe);
    window.localStorage.removeItem(probe);
    return true;
  } catch {
    return false;
  }
}

function browserDetails() {
  return {
    userAgent: navigator.userAgent,
    language: navigator.language,
    fetch: typeof window.fetch === "function",
    localStorage: storageWorks(),
    cookies: navigator.cookieEnabled,
    camera: Boolean(navigator.mediaDevices && navigator.mediaDevices.getUserMedia),
    screen: `${window.screen.width}x${window.screen.height}`,
    viewport: `${window.innerWidth}x${window.innerHeight}`,
  };
}

function showResult(form, messages, name, passed, text) {
  const result = form.querySelector(`[data-check="${name}"] .check-result`);
  if (result) {
    result.textContent = text || messages.text(passed ? "works" : "doesNotWork");
    result.classList.toggle("pass", passed);
    result.classList.toggle("fail", !passed);
  }
}

function runBrowserCheck(form, messages) {
  const details = browserDetails();
  form.querySelector("[data-browser-details]").value = JSON.stringify(details);
  showResult(form, messages, "fetch", details.fetch);
  showResult(form, messages, "storage", details.localStorage);
  showResult(form, messages, "screen", true, `${window.screen.width} × ${window.screen.height}`);
  // Without the camera interface a photo file can still be chosen; only saving and keeping answers are musts.
  showResult(form, messages, "camera", details.camera, messages.text(details.camera ? "cameraAvailable" : "cameraMissing"));
  const usable = details.fetch && details.localStorage;
  form.querySelector("[data-browser-problem]").hidden = usable;
  form.querySelector("[data-continue]").disabled = !usable;
}

function setUpCamera(form, messages) {
  const area = form.querySelector("[data-camera]");
  if (!area) {
    return;
  }
  const consent = form.querySelector("input[name=consent]");
  const start = area.querySelector("[data-start-camera]");
  const video = area.querySelector("[data-preview]");
  const problem = area.querySelector("[data-camera-error]");
  let stream = null;

  const consentChanged = () => {
    start.disabled = !consent.checked || stream !== null;
  };
  consent.addEventListener("change", consentChanged);
  consentChanged();

  start.addEventListener("click", async () => {
    problem.hidden = true;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: false });
    } catch (error) {
      problem.textContent = messages.text("cameraRefused", { error: error.name });
      problem.hidden = false;
      return;
    }
    // The buttons wait for the first frame: a photo taken before it would be empty.
    video.addEventListener("playing", () => {
      area.querySelectorAll("[data-take]").forEach((button) => { button.disabled = false; });
    }, { once: true });
    video.srcObject = stream;
    area.querySelector("[data-camera-area]").hidden = false;
    consentChanged();
  });

  area.querySelectorAll("[data-take]").forEach((button) => {
    button.addEventListener("click", () => {
      const kind = button.dataset.take;
      captureJpeg(video, { quality: 0.85 }, (blob) => {
        const file = new File([blob], `${kind}.jpg`, { type: "image/jpeg" });
        const files = new DataTransfer();
        files.items.add(file);
        form.querySelector(`input[type=file][name="${kind}"]`).files = files.files;
        const shot = area.querySelector(`[data-shot="${kind}"]`);
        if (shot.src) {
          URL.revokeObjectURL(shot.src);
        }
        shot.src = URL.createObjectURL(blob);
        shot.hidden = false;
        button.textContent = messages.text("takeAgain");
      });
    });
  });

  // A chosen file replaces the photo taken: its preview would be misleading.
  area.querySelectorAll("input[type=file]").forEach((input) => {
    input.addEventListener("change", () => {
      area.querySelector(`[data-shot="${input.name}"]`).hidden = true;
    });
  });

  form.addEventListener("submit", () => {
    if (stream) {
      stream.getTracks().forEach((track) => track.stop());
    }
  });
}

// A module: it runs once the page is parsed.
const form = document.querySelector("[data-check-form]");
if (form) {
  const messages = pageMessages(form);
  runBrowserCheck(form, messages);
  setUpCamera(form, messages);
}
