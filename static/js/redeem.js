// Scanning a customer's QR code with the camera, where the browser can read QR codes
// (BarcodeDetector). The scanned text goes into the code field and the form is sent; typing
// the code always works too.
(function () {
  "use strict";
  var form = document.getElementById("redeem-form");
  var scanner = document.getElementById("scanner");
  if (!form || !scanner || !("BarcodeDetector" in window) || !navigator.mediaDevices) return;

  window.BarcodeDetector.getSupportedFormats().then(function (formats) {
    if (formats.indexOf("qr_code") === -1) return;
    scanner.hidden = false;
    var button = document.getElementById("scan-button");
    var video = document.getElementById("scan-video");
    var status = document.getElementById("scan-status");
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    var stream = null;

    function stop() {
      if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
      stream = null;
      video.hidden = true;
      button.hidden = false;
    }

    function look() {
      if (!stream) return;
      detector.detect(video).then(function (codes) {
        if (codes.length) {
          form.querySelector("[name=code]").value = codes[0].rawValue;
          status.textContent = "Code read. Checking it…";
          stop();
          form.submit();
        } else {
          window.setTimeout(look, 250);
        }
      }, function () { window.setTimeout(look, 500); });
    }

    button.addEventListener("click", function () {
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false }).then(
        function (media) {
          stream = media;
          video.srcObject = media;
          video.hidden = false;
          button.hidden = true;
          status.textContent = "Point the camera at the QR code.";
          video.play().then(look);
        },
        function () {
          status.textContent = "The camera isn't available. Type the code instead.";
        }
      );
    });
    window.addEventListener("pagehide", stop);
  });
})();
