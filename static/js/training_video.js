// Lesson video heartbeats. The server decides what counts: this script only reports
// the playback position and whether the page is visible and the user active.
(function () {
  "use strict";
  var video = document.getElementById("lesson-video");
  if (!video) { return; }
  var status = document.getElementById("lesson-video-status");
  var url = video.dataset.heartbeatUrl;
  var interval = parseInt(video.dataset.interval, 10) || 15;
  var required = parseInt(video.dataset.required, 10) || 0;
  var lastActivity = Date.now();
  var IDLE_MS = 5 * 60 * 1000;

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  ["mousemove", "keydown", "touchstart", "scroll", "click"].forEach(function (name) {
    document.addEventListener(name, function () { lastActivity = Date.now(); }, { passive: true });
  });
  video.addEventListener("play", function () { lastActivity = Date.now(); send(); });

  function send() {
    var body = {
      position: video.currentTime || 0,
      visible: document.visibilityState === "visible",
      active: Date.now() - lastActivity < IDLE_MS,
      playing: !video.paused && !video.ended
    };
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(body)
    }).then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data || !status) { return; }
        var text = status.dataset.labelWatched + ": " + Math.round(data.watched_seconds) + " / " + required + " s";
        if (data.lesson_completed) { text += " · " + status.dataset.labelDone; }
        status.textContent = text;
      })
      .catch(function () { /* network trouble: the next heartbeat simply re-baselines */ });
  }
  window.setInterval(function () { if (!video.paused) { send(); } }, interval * 1000);
  document.addEventListener("visibilitychange", send);
  video.addEventListener("pause", send);
})();
