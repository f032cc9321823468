// What the pages do in the browser, declared with data- attributes: no page carries an inline script, event handler
// or style attribute, which the site's Content-Security-Policy refuses. Plain JavaScript, no library.
(function () {
  "use strict";

  // <select data-submit-on-change>: the language switch sends its form as soon as a language is picked.
  document.querySelectorAll("select[data-submit-on-change]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  // <form data-confirm="question">: a destructive post asks first.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });

  // data-width="42.5": a bar's length in percent of its track (set through the DOM, which the policy allows).
  document.querySelectorAll("[data-width]").forEach(function (bar) {
    bar.style.width = bar.getAttribute("data-width") + "%";
  });

  // <form data-warn-unsaved>: warn before leaving, or using another panel, while typed values are not saved yet.
  var form = document.querySelector("form[data-warn-unsaved]");
  if (form) {
    var dirty = false;
    form.addEventListener("input", function () { dirty = true; });
    form.addEventListener("submit", function () { dirty = false; });
    window.addEventListener("beforeunload", function (event) {
      if (dirty) { event.preventDefault(); event.returnValue = ""; }
    });
  }
})();
