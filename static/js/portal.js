// What the pages do in the browser, declared with data- attributes: no page carries an inline script, event handler
// or style attribute, which the site's Content-Security-Policy refuses. Plain JavaScript, no library.
(function () {
  "use strict";

  // <select data-submit-on-change>: the language switch sends its form as soon as a language is picked.
  document.querySelectorAll("select[data-submit-on-change]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  // The header's menu button (a phone): shown only here, so that without JavaScript the menu is simply open.
  var header = document.querySelector("[data-menu]");
  var toggle = header && header.querySelector("[data-menu-toggle]");
  if (toggle) {
    var menu = document.getElementById(toggle.getAttribute("aria-controls"));
    toggle.hidden = false;
    header.classList.add("menu-ready");
    toggle.addEventListener("click", function () {
      var open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      menu.classList.toggle("open", open);
    });
  }

  // <details data-nav-group>: the header's dropdowns. One open at a time; a click elsewhere or Escape closes them.
  var groups = Array.prototype.slice.call(document.querySelectorAll("details[data-nav-group]"));
  function closeGroups(except) {
    groups.forEach(function (group) { if (group !== except) { group.open = false; } });
  }
  groups.forEach(function (group) {
    group.addEventListener("toggle", function () { if (group.open) { closeGroups(group); } });
  });
  document.addEventListener("click", function (event) {
    if (!event.target.closest || !event.target.closest("details[data-nav-group]")) { closeGroups(null); }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { closeGroups(null); }
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
