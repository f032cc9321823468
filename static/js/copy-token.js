// The token page's "copy" button: copies the new key to the clipboard. Hidden until this script shows it, so that a
// browser without JavaScript (or without the clipboard API) shows only the key to select by hand.
(function () {
  "use strict";
  document.querySelectorAll("button[data-copy-target]").forEach(function (button) {
    if (!navigator.clipboard) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      var text = document.getElementById(button.dataset.copyTarget).textContent.trim();
      navigator.clipboard.writeText(text).then(function () {
        button.textContent = button.dataset.copiedLabel;
      });
    });
  });
})();
