// The camera of the candidate's pages: the check page's photos and the exam's snapshots.

// Calls `then` with a JPEG of the video's current frame, at most `maxWidth` pixels wide (null if none).
export function captureJpeg(video, { maxWidth = Infinity, quality }, then) {
  const canvas = document.createElement("canvas");
  canvas.width = Math.min(maxWidth, video.videoWidth);
  canvas.height = Math.round(canvas.width * video.videoHeight / video.videoWidth);
  canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
  canvas.toBlob(then, "image/jpeg", quality);
}
