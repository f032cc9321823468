// A background job's live progress (a report being built, an Excel file being imported): poll the job's JSON status
// every second while it is queued or running. The box is any element with data-status-url; the fields it shows are
// its [data-field] elements, each optional. With data-reload-when-finished the page reloads at the end, to show what
// only the server renders (an import's changes or its errors). Plain JavaScript, no library: a reload shows the same.
(function () {
  "use strict";

  function active(status) { return status === "queued" || status === "running"; }

  function follow(box) {
    var url = box.getAttribute("data-status-url");
    var field = function (name) { return document.querySelector('[data-field="' + name + '"]'); };
    var text = function (name, value) { var element = field(name); if (element) { element.textContent = value; } };

    function show(status) {
      text("status_label", status.status_label);
      field("status_label").className = "job-status job-" + status.status;
      text("stage", status.stage || "");
      text("progress", status.progress);
      box.querySelector(".progress-bar").style.width = status.progress + "%";
      box.querySelector(".progress").setAttribute("aria-valuenow", status.progress);
      var error = field("error");
      if (error) { error.textContent = status.error || ""; error.hidden = !status.error; }
      var download = field("download");
      if (download) {
        download.hidden = status.status !== "done";
        if (status.download_url) { download.querySelector("a").href = status.download_url; }
      }
      var pages = field("pages");
      if (pages && status.pages) { pages.textContent = status.pages + " " + pages.getAttribute("data-unit"); }
      if (status.attempts !== undefined) { text("attempts", status.attempts); }
      if (status.duration_seconds !== undefined && status.duration_seconds !== null) {
        text("duration", status.duration_seconds + " s");
      }
    }

    function poll() {
      fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
        .then(function (status) {
          if (!active(status.status) && box.hasAttribute("data-reload-when-finished")) {
            window.location.reload();
            return;
          }
          show(status);
          if (active(status.status)) { window.setTimeout(poll, 1000); }
        })
        .catch(function () { window.setTimeout(poll, 5000); });  // the server was briefly away: try again, slower
    }

    if (active(box.getAttribute("data-status"))) { window.setTimeout(poll, 1000); }
  }

  document.querySelectorAll("[data-status-url]").forEach(follow);
}());
