// An Excel import job's live progress: poll its JSON status every second; once it is finished, reload the page,
// which shows what changed or every problem found. Plain JavaScript, no library: a reload shows the same.
(function () {
  "use strict";
  var box = document.getElementById("excel-job");
  if (!box) { return; }
  var url = box.getAttribute("data-status-url");
  var field = function (name) { return box.querySelector('[data-field="' + name + '"]'); };
  var bar = box.querySelector(".progress-bar");
  var meter = box.querySelector(".progress");

  function active(status) { return status === "queued" || status === "running"; }

  function poll() {
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
      .then(function (status) {
        if (!active(status.status)) { window.location.reload(); return; }
        field("status_label").textContent = status.status_label;
        field("status_label").className = "job-status job-" + status.status;
        field("stage").textContent = status.stage || "";
        field("progress").textContent = status.progress;
        bar.style.width = status.progress + "%";
        meter.setAttribute("aria-valuenow", status.progress);
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });  // the server was briefly away: try again, slower
  }

  if (active(box.getAttribute("data-status"))) { window.setTimeout(poll, 1000); }
}());
