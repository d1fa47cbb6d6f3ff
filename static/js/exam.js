// Taking an exam without losing an answer.
//
// Every change is saved (debounced) with a sequence number. Saves not yet
// acknowledged by the server live in localStorage and are sent again, in order, when
// the connection returns, also after a reload; the server ignores a save older than
// the one it has. The countdown uses the server's remaining seconds and the
// browser's monotonic clock, never the device's wall clock.
//
// Integrity options of the session (data attributes): one device at a time (a save,
// a hand-in or the check on coming back is refused with 409 "device" once another
// device has taken the exam over: the page says so and stops, without reloading, as a
// reload would take it back), leaving the page counted and answered with a warning
// (or the hand-in past the limit), copying the questions and pasting disabled.
(function () {
  "use strict";
  var root = document.getElementById("exam");
  if (!root) { return; }
  var attemptId = root.dataset.attempt;
  var saveUrl = root.dataset.saveUrl;
  var leaveUrl = root.dataset.leaveUrl;
  var stateUrl = root.dataset.stateUrl;
  var oneDevice = root.dataset.oneDevice === "1";
  var warningBox = document.getElementById("integrity-warning");
  var otherDevice = false;
  var form = document.getElementById("exam-form");
  var statusBox = document.getElementById("save-status");
  var timerBox = document.getElementById("timer");
  var queueKey = "exam:" + attemptId + ":queue";
  var seqKey = "exam:" + attemptId + ":seq";
  var ackKey = "exam:" + attemptId + ":acked";  // the highest save the server confirmed
  var timers = {};
  var sending = false;
  var closed = false;
  var retryDelay = 1000;

  function load(key, fallback) {
    try { var v = localStorage.getItem(key); return v === null ? fallback : JSON.parse(v); }
    catch (e) { return fallback; }
  }
  function store(key, value) {
    try { localStorage.setItem(key, JSON.stringify(value)); } catch (e) { /* private mode */ }
  }
  var queue = load(queueKey, []);
  var seq = Math.max(parseInt(root.dataset.maxSeq, 10) || 0, load(seqKey, 0));

  function csrfToken() {
    var m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    if (m) { return decodeURIComponent(m[1]); }
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function fmt(template, n) { return template.replace("{n}", n); }

  function showStatus() {
    var pending = queue.length;
    statusBox.classList.remove("saving", "offline");
    if (otherDevice) { statusBox.textContent = root.dataset.msgStopped; statusBox.classList.add("offline"); return; }
    if (closed) { statusBox.textContent = root.dataset.msgTimeup; statusBox.classList.add("offline"); return; }
    if (!pending) { statusBox.textContent = root.dataset.msgSaved; return; }
    if (!navigator.onLine) {
      statusBox.classList.add("offline");
      statusBox.textContent = fmt(root.dataset.msgOffline, pending);
    } else {
      statusBox.classList.add("saving");
      statusBox.textContent = sending ? root.dataset.msgSaving : fmt(root.dataset.msgPending, pending);
    }
  }

  function answerOf(fieldset) {
    var type = fieldset.dataset.type;
    var inputs = fieldset.querySelectorAll("input, textarea");
    if (type === "multiple") {
      var chosen = [];
      inputs.forEach(function (i) { if (i.checked) { chosen.push(i.value); } });
      return chosen;
    }
    if (type === "single" || type === "true_false") {
      var value = null;
      inputs.forEach(function (i) { if (i.checked) { value = [i.value]; } });
      return value;
    }
    if (type === "fill_blank") { return [inputs[0].value]; }
    return inputs[0].value;
  }

  function applyAnswer(fieldset, answer) {
    var type = fieldset.dataset.type;
    var inputs = fieldset.querySelectorAll("input, textarea");
    if (type === "multiple" || type === "single" || type === "true_false") {
      var list = answer || [];
      inputs.forEach(function (i) { i.checked = list.indexOf(i.value) !== -1; });
    } else if (type === "fill_blank") {
      inputs[0].value = (answer && answer[0]) || "";
    } else {
      inputs[0].value = answer || "";
    }
  }

  function isEmpty(answer) {
    return answer === null || answer === "" || (Array.isArray(answer) && (!answer.length || answer[0] === ""));
  }

  function markAnswered(position, answer) {
    var link = document.querySelector('[data-nav="' + position + '"]');
    if (!link) { return; }
    link.classList.toggle("answered", !isEmpty(answer));
  }

  function enqueue(position, answer) {
    seq += 1;
    store(seqKey, seq);
    // An older unsent save of the same question is superseded by this one.
    queue = queue.filter(function (s) { return s.item !== position; });
    queue.push({ item: position, answer: answer, seq: seq });
    store(queueKey, queue);
    markAnswered(position, answer);
    showStatus();
    send();
  }

  function send() {
    if (sending || closed || !queue.length) { showStatus(); return; }
    if (!navigator.onLine) { showStatus(); return; }
    sending = true;
    showStatus();
    var save = queue[0];
    fetch(saveUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(), "Accept": "application/json" },
      body: JSON.stringify(save)
    }).then(function (response) {
      sending = false;
      if (response.status === 200) {
        queue = queue.filter(function (s) { return s !== save && !(s.item === save.item && s.seq <= save.seq); });
        store(queueKey, queue);
        store(ackKey, Math.max(load(ackKey, 0), save.seq));
        retryDelay = 1000;
        send();
      } else if (response.status === 409) {
        response.json().catch(function () { return {}; }).then(function (body) {
          if (body && body.reason === "device") { stopOtherDevice(body.detail); return; }
          closed = true;
          showStatus();
          setTimeout(function () { window.location.reload(); }, 1500);
        });
      } else if (response.status === 403 || response.status === 401) {
        window.location.reload();  // signed out: sign in again, answers stay queued
      } else {
        retryLater(response);
      }
    }).catch(function () { sending = false; retryLater(null); });
  }

  // A busy server (503/429) says when to come back in Retry-After: wait that long
  // plus up to as much again, so that thousands of refused pages do not all return in
  // the same second. Otherwise exponential back-off, also jittered.
  function retryLater(response) {
    showStatus();
    var after = response && (response.status === 503 || response.status === 429)
      ? parseInt(response.headers.get("Retry-After"), 10) : NaN;
    var wait;
    if (after > 0) {
      wait = after * 1000 * (1 + Math.random());
    } else {
      wait = retryDelay * (0.5 + Math.random());
      retryDelay = Math.min(retryDelay * 2, 30000);
    }
    setTimeout(send, wait);
  }

  // Restore answers not yet acknowledged (e.g. typed offline before a reload).
  queue.forEach(function (s) {
    var fs = document.getElementById("q" + s.item);
    if (fs) { applyAnswer(fs, s.answer); markAnswered(s.item, s.answer); }
  });

  // A reload while a save was being stored: the server may render this page before
  // that save commits, while the old page, told it was stored, has already dropped it
  // from the queue. A save confirmed above the highest one this page was rendered with
  // means exactly that: ask once for the answers stored since (a newer unsent one in
  // the queue still wins).
  var renderedSeq = parseInt(root.dataset.maxSeq, 10) || 0;
  if (load(ackKey, 0) > renderedSeq) {
    fetch(stateUrl + "?after=" + renderedSeq, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) {
        (body && body.answers || []).forEach(function (stored) {
          if (queue.some(function (s) { return s.item === stored.position; })) { return; }
          var fs = document.getElementById("q" + stored.position);
          if (fs) { applyAnswer(fs, stored.answer); markAnswered(stored.position, stored.answer); }
        });
      }).catch(function () { /* the answers are stored; the next load shows them */ });
  }

  form.querySelectorAll("fieldset.question").forEach(function (fieldset) {
    var position = parseInt(fieldset.dataset.position, 10);
    function changed() {
      clearTimeout(timers[position]);
      timers[position] = setTimeout(function () { enqueue(position, answerOf(fieldset)); },
        fieldset.dataset.type === "short_answer" || fieldset.dataset.type === "scenario" || fieldset.dataset.type === "fill_blank" ? 800 : 150);
    }
    fieldset.addEventListener("change", changed);
    fieldset.addEventListener("input", changed);
    // Answered before this script ran (on a slow phone the page is shown and touched
    // before its script arrives) or put back into the form by the browser: what the
    // page shows differs from what it was rendered with, so it is saved now.
    if (queue.some(function (s) { return s.item === position; })) { return; }
    var touched = Array.prototype.some.call(fieldset.querySelectorAll("input, textarea"), function (i) {
      return (i.type === "radio" || i.type === "checkbox") ? i.checked !== i.defaultChecked : i.value !== i.defaultValue;
    });
    if (touched) { enqueue(position, answerOf(fieldset)); }
  });

  window.addEventListener("online", function () { retryDelay = 1000; send(); });
  window.addEventListener("offline", showStatus);

  // One question per screen, with the navigator.
  var questions = Array.prototype.slice.call(form.querySelectorAll("fieldset.question"));
  root.classList.add("js-paged");
  function show(position) {
    questions.forEach(function (q) { q.classList.toggle("shown", q.dataset.position === String(position)); });
    document.querySelectorAll(".nav-item").forEach(function (a) { a.classList.toggle("current", a.dataset.nav === String(position)); });
  }
  document.querySelectorAll("[data-nav]").forEach(function (a) {
    a.addEventListener("click", function (e) { e.preventDefault(); show(a.dataset.nav); });
  });
  document.querySelectorAll("[data-go]").forEach(function (b) {
    b.addEventListener("click", function () { show(b.dataset.go); });
  });
  if (questions.length) { show(questions[0].dataset.position); }

  // Countdown from the server's figure and the monotonic clock.
  var remaining = parseInt(root.dataset.remaining, 10) || 0;
  var startedAt = performance.now();
  function tick() {
    var left = Math.max(0, Math.round(remaining - (performance.now() - startedAt) / 1000));
    var h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = left % 60;
    timerBox.textContent = (h ? h + ":" : "") + (m < 10 && h ? "0" : "") + m + ":" + (s < 10 ? "0" : "") + s;
    timerBox.parentNode.classList.toggle("low", left <= 300);
    if (left <= 0) {
      closed = true;
      showStatus();
      setTimeout(function () { window.location.reload(); }, 3000);
      return;
    }
    setTimeout(tick, 1000);
  }
  tick();

  function warn(message) {
    if (!message) { return; }
    warningBox.textContent = message;
    warningBox.hidden = false;
  }

  // Another device has taken the exam over: say so and stop here. What this page has
  // not saved is dropped, so that it can never overwrite later answers.
  function stopOtherDevice(message) {
    otherDevice = true;
    closed = true;
    queue = [];
    try { localStorage.removeItem(queueKey); } catch (e) { /* ignore */ }
    warn(message || root.dataset.msgOtherDevice);
    form.querySelectorAll("input, textarea, button").forEach(function (el) { el.disabled = true; });
    showStatus();
  }

  // Leaving the page (another tab, app or window) is counted for the coordinator; the
  // answer carries the warning (times left) or says the exam was handed in.
  var away = false;
  var inDialog = false;
  function left() {
    if (away || closed || inDialog) { return; }
    away = true;
    fetch(leaveUrl, { method: "POST", credentials: "same-origin", keepalive: true,
      headers: { "X-CSRFToken": csrfToken(), "Accept": "application/json" } })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (body) {
          if (response.status === 409 && body.reason === "device") { stopOtherDevice(body.detail); return; }
          if (response.status !== 200) { return; }
          warn(body.message);
          if (body.handed_in) {
            closed = true;
            showStatus();
            setTimeout(function () { window.location.reload(); }, 2500);
          }
        });
      }).catch(function () {});
  }
  // Back on the page: with one device at a time, check that this device still holds
  // the exam (and send what waits).
  function back() {
    if (!away) { return; }
    away = false;
    if (closed) { return; }
    if (oneDevice) {
      fetch(stateUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) {
          if (response.status === 409) {
            return response.json().then(function (body) {
              if (body.reason === "device") { stopOtherDevice(body.detail); }
            });
          }
        }).catch(function () {});
    }
    send();
  }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { left(); } else { back(); }
  });
  window.addEventListener("blur", left);
  window.addEventListener("focus", back);

  // Copying the questions and pasting into the answers disabled (session option).
  if (root.dataset.noCopy === "1") {
    ["copy", "cut", "paste", "contextmenu", "dragstart", "drop"].forEach(function (name) {
      root.addEventListener(name, function (e) { e.preventDefault(); });
    });
  }

  form.addEventListener("submit", function (e) {
    if (queue.length) {
      e.preventDefault();
      send();
      inDialog = true;
      window.alert(root.dataset.msgUnsaved);
      inDialog = false;
      return;
    }
    var unanswered = questions.filter(function (q) { return isEmpty(answerOf(q)); }).length;
    var question = unanswered ? fmt(root.dataset.msgConfirmUnanswered, unanswered) : root.dataset.msgConfirm;
    inDialog = true;
    var sure = window.confirm(question);
    inDialog = false;
    if (!sure) { e.preventDefault(); return; }
    try { localStorage.removeItem(queueKey); localStorage.removeItem(seqKey); localStorage.removeItem(ackKey); } catch (err) { /* ignore */ }
  });

  showStatus();
  send();
})();
