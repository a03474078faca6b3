// Counts down a hold: <span data-countdown="600" data-expired="...">10:00</span> (seconds from page load,
// so a wrong clock on the phone doesn't matter). When it reaches zero the page is reloaded to show why.
(function () {
  function start(element) {
    var ends = Date.now() + Number(element.dataset.countdown) * 1000;
    function tick() {
      var left = Math.max(0, Math.round((ends - Date.now()) / 1000));
      element.textContent = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
      if (left === 0) {
        element.textContent = element.dataset.expired || "0:00";
        window.setTimeout(function () { window.location.reload(); }, 1500);
        return;
      }
      window.setTimeout(tick, 1000);
    }
    tick();
  }
  document.querySelectorAll("[data-countdown]").forEach(start);
})();
