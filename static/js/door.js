// The door page: scan an admission ticket's QR code with the camera where the
// browser has the BarcodeDetector API; otherwise (and always) the ticket number can
// be typed. A scanned code fills the form and sends it as a scan.
(function () {
  "use strict";
  var form = document.getElementById("scan-form");
  var input = document.getElementById("id_ticket");
  var method = document.getElementById("id_method");
  var box = document.getElementById("scanner");
  var video = document.getElementById("scanner-video");
  var start = document.getElementById("scanner-start");
  if (!form || !input) return;
  input.addEventListener("input", function () { method.value = "typed"; });
  if (!("BarcodeDetector" in window) || !navigator.mediaDevices) { input.focus(); return; }
  box.hidden = false;
  var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
  var stream = null;
  function stop() {
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); stream = null; }
  }
  function look() {
    if (!stream) return;
    detector.detect(video).then(function (codes) {
      if (codes.length && codes[0].rawValue) {
        stop();
        input.value = codes[0].rawValue;
        method.value = "scan";
        form.submit();
        return;
      }
      window.requestAnimationFrame(look);
    }).catch(function () { window.setTimeout(look, 250); });
  }
  start.addEventListener("click", function () {
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (s) {
      stream = s;
      video.srcObject = s;
      return video.play();
    }).then(look).catch(function () { box.hidden = true; input.focus(); });
  });
  window.addEventListener("pagehide", stop);
})();
