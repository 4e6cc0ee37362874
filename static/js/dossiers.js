/* Dossier uploads: check size and type in the browser before the upload starts.
   Enhancement only: the server checks every file again (by content) and the page works without it. */
(function () {
  "use strict";
  var TYPES = {
    pdf: { mime: "application/pdf", magic: [[0x25, 0x50, 0x44, 0x46, 0x2d]] },
    jpg: { mime: "image/jpeg", magic: [[0xff, 0xd8, 0xff]] },
    jpeg: { mime: "image/jpeg", magic: [[0xff, 0xd8, 0xff]] },
    png: { mime: "image/png", magic: [[0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]] }
  };

  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, key) { return values[key]; });
  }

  function startsWith(bytes, magic) {
    for (var i = 0; i < magic.length; i++) { if (bytes[i] !== magic[i]) { return false; } }
    return true;
  }

  function checkFile(file, form) {
    var max = parseInt(form.getAttribute("data-max-file"), 10);
    var ext = (file.name.split(".").pop() || "").toLowerCase();
    var type = TYPES[ext];
    if (file.size === 0) { return Promise.resolve(format(form.dataset.msgEmpty, { name: file.name })); }
    if (max && file.size > max) { return Promise.resolve(format(form.dataset.msgSize, { name: file.name })); }
    if (!type) { return Promise.resolve(format(form.dataset.msgType, { name: file.name })); }
    if (!file.slice || !window.Blob || !Blob.prototype.arrayBuffer) { return Promise.resolve(null); }
    return file.slice(0, 8).arrayBuffer().then(function (buffer) {
      var bytes = new Uint8Array(buffer);
      var ok = type.magic.some(function (magic) { return startsWith(bytes, magic); });
      return ok ? null : format(form.dataset.msgContent, { name: file.name });
    }, function () { return null; });
  }

  document.querySelectorAll("form[data-upload-form]").forEach(function (form) {
    form.querySelectorAll("input[type=file][data-upload-check]").forEach(function (input) {
      var slot = input.closest("[data-slot]");
      var box = slot ? slot.querySelector(".js-upload-errors") : null;
      input.addEventListener("change", function () {
        var files = Array.prototype.slice.call(input.files || []);
        Promise.all(files.map(function (file) { return checkFile(file, form); })).then(function (results) {
          var errors = results.filter(Boolean);
          if (box) { box.textContent = errors.join(" "); box.hidden = errors.length === 0; }
          if (!errors.length) { return; }
          // Keep only the files that passed, so one bad file does not block the others.
          try {
            var keep = new DataTransfer();
            files.forEach(function (file, i) { if (!results[i]) { keep.items.add(file); } });
            input.files = keep.files;
          } catch (e) {
            input.value = "";
          }
        });
      });
    });
  });
})();

/* A form that has nowhere to save yet (a new dossier's first step, before its draft exists): warn
   before leaving it with something typed. Every later step saves what was typed when leaving. */
(function () {
  "use strict";
  document.querySelectorAll("form[data-warn-unsaved]").forEach(function (form) {
    var changed = false;
    var submitting = false;
    form.addEventListener("input", function () { changed = true; });
    form.addEventListener("change", function () { changed = true; });
    form.addEventListener("submit", function () { submitting = true; });
    window.addEventListener("beforeunload", function (event) {
      if (changed && !submitting) { event.preventDefault(); event.returnValue = ""; }
    });
  });
})();
