// <button data-print>: opens the browser's print dialog for the page (the page's print stylesheet drops the
// navigation). A file of its own: the site's Content-Security-Policy refuses an inline onclick.
(function () {
  "use strict";
  document.querySelectorAll("button[data-print]").forEach(function (button) {
    button.hidden = false; // without JavaScript the button could do nothing, so it stays hidden
    button.addEventListener("click", function () { window.print(); });
  });
})();
