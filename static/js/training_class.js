// Live parts of the class pages: an element with data-refresh-url is re-fetched every
// data-refresh-seconds and its content replaced by the server's rendering (the
// trainer's rotating check-in code, the coordinator's attendance list). Parts holding a
// form the user is typing in are left alone until they are done.
(function () {
  "use strict";
  document.querySelectorAll("[data-refresh-url]").forEach(function (part) {
    var url = part.dataset.refreshUrl;
    var seconds = parseInt(part.dataset.refreshSeconds, 10) || 10;
    function busy() {
      var active = document.activeElement;
      return active && part.contains(active) && active.tagName === "INPUT" && active.value;
    }
    function refresh() {
      if (document.visibilityState !== "visible" || busy()) { return; }
      fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) { if (html !== null && !busy()) { part.innerHTML = html; } })
        .catch(function () { /* offline for a moment: try again next time */ });
    }
    window.setInterval(refresh, seconds * 1000);
  });
})();
