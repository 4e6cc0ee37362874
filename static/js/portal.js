/* Progressive enhancement only: every page works without this file. */
(function () {
  "use strict";
  // Move focus to the error summary of a failed form so screen readers announce it.
  var summary = document.querySelector("[data-error-summary]");
  if (summary) { summary.focus(); }

  // Captcha: fetch a new picture without reloading the form.
  document.querySelectorAll("[data-captcha]").forEach(function (row) {
    var button = row.querySelector("[data-captcha-refresh]");
    var field = row.parentNode;
    if (!button) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      fetch("/captcha/refresh/", { headers: { "X-Requested-With": "XMLHttpRequest" } })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          row.querySelector("img").src = data.image_url;
          var key = field.querySelector("input[type=hidden][name$='_0']");
          if (key) { key.value = data.key; }
          var text = field.querySelector("input[type=text]");
          if (text) { text.value = ""; text.focus(); }
        });
    });
  });
})();
