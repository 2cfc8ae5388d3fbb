// Broadcaster's pages: the two live parts, in plain JavaScript (no build step).
"use strict";

// Upload: send the form to the API with the session's CSRF token, show the upload's and
// then the preparation's progress, and the reason when the file is refused.
function setUpUpload(form) {
  const bar = document.getElementById("upload-progress");
  const stage = document.getElementById("upload-stage");
  const error = document.getElementById("upload-error");
  const show = (text, fraction) => {
    stage.textContent = text;
    if (fraction !== null) { bar.hidden = false; bar.value = fraction; }
  };
  const refuse = (message) => { error.textContent = message; stage.textContent = ""; bar.hidden = true; };
  const follow = (jobUrl) => {
    fetch(jobUrl, { credentials: "same-origin" }).then((r) => r.json()).then((job) => {
      if (job.error && job.state === "failed") { refuse(job.error.message); return; }
      if (job.state === "done") { show("prepared: " + job.file_name, 1); window.location.reload(); return; }
      show((job.stage || job.state) + " " + Math.round(job.progress * 100) + "%", job.progress);
      setTimeout(() => follow(jobUrl), 500);
    }).catch(() => setTimeout(() => follow(jobUrl), 1000));
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    error.textContent = "";
    const data = new FormData(form);
    const partners = String(data.get("partners") || "");
    data.delete("partners");
    partners.split(",").map((p) => p.trim()).filter(Boolean).forEach((p) => data.append("partner", p));
    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.getAttribute("action"));
    xhr.setRequestHeader("X-CSRF-Token", form.dataset.csrf);
    xhr.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable) show("uploading " + Math.round((e.loaded / e.total) * 100) + "%", e.loaded / e.total);
    });
    xhr.addEventListener("load", () => {
      let body = null;
      try { body = JSON.parse(xhr.responseText); } catch (e) { body = null; }
      if (xhr.status === 202 && body) { show("queued", 0); follow("/api/episodes/jobs/" + body.id); return; }
      refuse(body && body.error ? body.error.message : "upload refused (" + xhr.status + ")");
    });
    xhr.addEventListener("error", () => refuse("the upload did not reach the server"));
    xhr.send(data);
  });
}

// The on-air panel: fetched again every 2 s, every 0.5 s around the next slot's start.
function setUpPanel(panel) {
  const url = panel.dataset.src;
  const interval = () => {
    const next = Number(panel.querySelector("[data-next-start]")?.dataset.nextStart || 0);
    const now = Date.now();
    return next && now > next - 3000 && now < next + 4000 ? 500 : 2000;
  };
  const refresh = () => {
    fetch(url, { credentials: "same-origin", cache: "no-store" })
      .then((r) => {
        if (r.redirected) window.location.reload(); // signed out meanwhile: to the sign-in form
        return r.ok && !r.redirected ? r.text() : Promise.reject(r.status);
      })
      .then((html) => { panel.innerHTML = html; })
      .catch(() => {})
      .finally(() => setTimeout(refresh, interval()));
  };
  setTimeout(refresh, interval());
}

document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("upload-form");
  if (form) setUpUpload(form);
  const panel = document.getElementById("on-air-panel");
  if (panel) setUpPanel(panel);
});
