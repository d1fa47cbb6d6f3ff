// Reading heartbeats of a text lesson. The server decides what counts (time since the
// previous heartbeat while the page was visible and the user active, one lesson at a
// time); this script only reports visibility and activity.
(function () {
  "use strict";
  var status = document.getElementById("lesson-reading");
  if (!status) { return; }
  var url = status.dataset.heartbeatUrl;
  var interval = parseInt(status.dataset.interval, 10) || 15;
  var lastActivity = Date.now();
  var IDLE_MS = 3 * 60 * 1000;

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  ["mousemove", "keydown", "touchstart", "scroll", "click"].forEach(function (name) {
    document.addEventListener(name, function () { lastActivity = Date.now(); }, { passive: true });
  });

  function send() {
    var body = {
      visible: document.visibilityState === "visible",
      active: Date.now() - lastActivity < IDLE_MS
    };
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(body)
    }).then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        status.textContent = status.dataset.labelRead + ": " + Math.floor(data.read_seconds / 60) +
          " min · " + status.dataset.labelHours + ": " + data.hours;
      })
      .catch(function () { /* network trouble: the next heartbeat simply re-baselines */ });
  }
  send();
  window.setInterval(send, interval * 1000);
  document.addEventListener("visibilitychange", send);
})();
