// Roster import progress: polls the import's status and reloads the page when done.
(function () {
  "use strict";
  var box = document.getElementById("roster-progress");
  if (!box) { return; }
  var url = box.getAttribute("data-status-url");
  var bar = document.getElementById("roster-progress-bar");
  var text = document.getElementById("roster-progress-text");
  var label = document.getElementById("roster-status-label");
  var template = text ? text.textContent : "";

  function show(data) {
    if (bar) { bar.value = data.percent; bar.textContent = data.percent + "%"; }
    if (label) { label.textContent = data.status_label; }
    if (text) {
      text.textContent = data.rows_done + " / " + data.rows_total + " (" + data.percent + "%)";
    }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { setTimeout(poll, 5000); return; }
        show(data);
        if (data.running) { setTimeout(poll, 1500); } else { window.location.reload(); }
      })
      .catch(function () { if (text) { text.textContent = template; } setTimeout(poll, 5000); });
  }
  setTimeout(poll, 1000);
})();
