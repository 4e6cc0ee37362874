/* Back office (issue 20), progressive enhancement only: picking a ready-made reason puts its
   text in the empty text box below, where the officer can adapt it. Without JavaScript the
   server does the same when the form is sent (dossiers.forms.TransitionForm.clean). */
(function () {
  "use strict";
  document.querySelectorAll("select[name=ready_reason]").forEach(function (select) {
    var form = select.form;
    var box = form && form.querySelector("textarea[name=request], textarea[name=reason]");
    if (!box) return;
    select.addEventListener("change", function () {
      var option = select.options[select.selectedIndex];
      if (!select.value || box.value.trim()) return;
      box.value = option.text;
      select.value = "";
      box.focus();
    });
  });
})();
