// The report job page's live progress: poll the job's JSON status every second until it is done or failed.
// Plain JavaScript, no library: the page works without it too (reload shows the same figures).
(function () {
  "use strict";
  var box = document.getElementById("report-job");
  if (!box) { return; }
  var url = box.getAttribute("data-status-url");
  var field = function (name) { return box.querySelector('[data-field="' + name + '"]'); };
  var bar = box.querySelector(".progress-bar");
  var meter = box.querySelector(".progress");

  function show(status) {
    field("status_label").textContent = status.status_label;
    field("status_label").className = "job-status job-" + status.status;
    field("stage").textContent = status.stage || "";
    field("progress").textContent = status.progress;
    bar.style.width = status.progress + "%";
    meter.setAttribute("aria-valuenow", status.progress);
    var error = field("error");
    error.textContent = status.error || "";
    error.hidden = !status.error;
    var download = field("download");
    download.hidden = status.status !== "done";
    if (status.download_url) { download.querySelector("a").href = status.download_url; }
    if (status.pages) { field("pages").textContent = status.pages + " " + field("pages").getAttribute("data-unit"); }
    var attempts = document.querySelector('[data-field="attempts"]');
    if (attempts) { attempts.textContent = status.attempts; }
    var duration = document.querySelector('[data-field="duration"]');
    if (duration && status.duration_seconds !== null) { duration.textContent = status.duration_seconds + " s"; }
  }

  function poll() {
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
      .then(function (status) {
        show(status);
        if (status.status === "queued" || status.status === "running") { window.setTimeout(poll, 1000); }
      })
      .catch(function () { window.setTimeout(poll, 5000); });  // the server was briefly away: try again, slower
  }

  var initial = box.getAttribute("data-status");
  if (initial === "queued" || initial === "running") { window.setTimeout(poll, 1000); }
}());
