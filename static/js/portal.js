/* Progressive enhancement only: every page works without this file. */
(function () {
  "use strict";
  // Move focus to the error summary of a failed form, or to the answer of a lookup, so screen
  // readers announce it and a phone shows it (the page's address also names it: #answer).
  var summary = document.querySelector("[data-error-summary]") || document.querySelector("[data-focus-on-load]");
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

  // Before an idle session ends (WCAG 2.2.1): a warning two minutes ahead with "Stay logged in",
  // which makes a request (the activity the server counts) without leaving the page.
  var template = document.getElementById("session-warning");
  if (template) {
    var timeout = parseInt(template.getAttribute("data-timeout"), 10) * 1000;
    var lead = Math.min(120000, timeout / 2);
    var timer = null;
    var schedule = function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(showWarning, timeout - lead);
    };
    var showWarning = function () {
      var box = template.content.firstElementChild.cloneNode(true);
      var previous = document.activeElement;
      document.body.appendChild(box);
      box.focus();
      box.querySelector("form").addEventListener("submit", function (event) {
        event.preventDefault();
        fetch(this.action, { method: "POST", body: new FormData(this), credentials: "same-origin" })
          .then(function (response) {
            if (response.status !== 204) { window.location.reload(); return; }
            box.remove();
            if (previous && previous.focus) { previous.focus(); }
            schedule();
          }, function () { window.location.reload(); });
      });
    };
    schedule();
  }

  // Addresses: the commune list follows the province (without this, saving the form lists the
  // communes of the province chosen; accounts.forms.address_fields).
  document.querySelectorAll("select[data-province]").forEach(function (province) {
    var commune = province.form && province.form.elements[province.getAttribute("data-province")];
    if (!commune) { return; }
    province.addEventListener("change", function () {
      var url = commune.getAttribute("data-communes-url") + "?province=" + encodeURIComponent(province.value);
      var placeholder = commune.getAttribute("data-placeholder");
      fetch(url, { headers: { "Accept": "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          var previous = commune.value;
          commune.length = 0;
          commune.add(new Option(placeholder, ""));
          data.communes.forEach(function (c) { commune.add(new Option(c.name, c.code, false, c.code === previous)); });
        });
    });
  });
})();
