/* Search results: which ones are opened, counted for the staff (queries whose results nobody
   opens found the wrong procedures). Without this file each result link goes through
   /procedures/<code>/from-search/?q=…, which counts and redirects. With it, the link goes straight
   to the procedure's own address (one request less, a clean address to copy) and the opening is
   told with a beacon. */
(function () {
  "use strict";
  if (!navigator.sendBeacon) {
    return; // the counting links keep working as they are
  }
  document.querySelectorAll("a[data-direct]").forEach(function (link) {
    var counter = link.href;
    link.href = link.getAttribute("data-direct");
    function opened(event) {
      if (event.type === "auxclick" && event.button !== 1) {
        return; // only the middle button opens a link
      }
      navigator.sendBeacon(counter);
    }
    link.addEventListener("click", opened);
    link.addEventListener("auxclick", opened);
  });
})();
