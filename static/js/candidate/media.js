// Recordings an item lets the candidate play a limited number of times (<audio data-max-plays>, rewritten by
// the server with data-plays-left and data-play-url). The native controls go: without a seek bar a recording
// cannot be replayed by dragging back. A Play button asks the server before every play; the server counts
// the play (or refuses it once the plays are used up), so the count survives a reload or a second tab.
import { errorMessage, request } from "./request.js";

class LimitedPlayer {
  constructor(audio, messages) {
    this.audio = audio;
    this.messages = messages;
    this.left = Number(audio.dataset.playsLeft);
    this.starting = false;
    audio.controls = false;
    const box = document.createElement("div");
    box.className = "limited-player";
    this.button = document.createElement("button");
    this.button.type = "button";
    this.button.className = "secondary";
    this.button.dataset.play = "";
    this.status = document.createElement("span");
    this.status.setAttribute("role", "status");
    this.status.dataset.playsStatus = "";
    box.append(this.button, " ", this.status);
    audio.after(box);
    this.button.addEventListener("click", () => this.play());
    ["play", "ended", "pause"].forEach((name) => audio.addEventListener(name, () => this.show()));
    this.show();
  }

  get playing() {
    return !this.audio.paused && !this.audio.ended;
  }

  show(message) {
    this.button.textContent = this.messages.text(this.playing ? "playing" : "playRecording");
    this.button.disabled = this.starting || this.playing || this.left <= 0;
    this.status.textContent = message || (this.left > 0 ? this.messages.count("playsLeft", this.left)
      : this.messages.text("noPlaysLeft"));
  }

  async play() {
    this.starting = true;
    this.show();
    let message;
    try {
      const response = await request(this.audio.dataset.playUrl, { item_id: Number(this.audio.dataset.item) });
      if (response.ok) {
        this.left = (await response.json()).left;
        this.audio.currentTime = 0;
        await this.audio.play();
      } else {
        if (response.status === 409) this.left = 0;
        message = await errorMessage(response, this.messages);
      }
    } catch (error) {
      message = this.messages.text("playFailed", { reason: error.message || String(error) });
    }
    this.starting = false;
    this.show(message);
  }
}

export function mountLimitedPlayers(root, messages) {
  return [...root.querySelectorAll("audio[data-play-url]")].map((audio) => new LimitedPlayer(audio, messages));
}
