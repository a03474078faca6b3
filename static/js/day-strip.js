// Arrows for the day strips (templates/components/days.html): each scrolls the strip by a page of
// days and is marked aria-disabled at its end. The chosen day is brought into view; after an htmx
// swap that replaced the tapped day, focus goes back to the chosen day so it isn't lost.
(function () {
  function arrow(list, step, name, text) {
    var button = document.createElement("button");
    button.type = "button"; // the strip may sit in a form: an arrow never sends it
    button.className = "day-strip-arrow";
    button.setAttribute("aria-label", name);
    button.textContent = text;
    button.addEventListener("click", function () {
      if (button.getAttribute("aria-disabled") === "true") return;
      var first = list.querySelector("li");
      var page = list.clientWidth - (first ? first.offsetWidth : 0);
      list.scrollBy({ left: step * Math.max(page, 1), behavior: "smooth" });
    });
    return button;
  }

  function setUp(strip, afterSwap) {
    if (strip.hasAttribute("data-day-strip-ready")) return;
    strip.setAttribute("data-day-strip-ready", "");
    var list = strip.querySelector(".day-strip-days");
    var earlier = arrow(list, -1, "Earlier days", "‹");
    var later = arrow(list, 1, "Later days", "›");
    strip.insertBefore(later, list);
    strip.insertBefore(earlier, later);
    var update = function () {
      var end = list.scrollWidth - list.clientWidth - 1;
      earlier.setAttribute("aria-disabled", String(list.scrollLeft <= 0));
      later.setAttribute("aria-disabled", String(list.scrollLeft >= end));
    };
    list.addEventListener("scroll", update, { passive: true });
    window.addEventListener("resize", update);
    var chosen = list.querySelector("[aria-current]");
    if (chosen) {
      // Horizontally only: scrollIntoView would scroll the page as well.
      list.scrollLeft = chosen.parentElement.offsetLeft - (list.clientWidth - chosen.offsetWidth) / 2;
      if (afterSwap && (!document.activeElement || document.activeElement === document.body)) {
        chosen.focus({ preventScroll: true });
      }
    }
    update();
  }

  function setUpAll(afterSwap) {
    document.querySelectorAll("[data-day-strip]").forEach(function (strip) { setUp(strip, afterSwap); });
  }

  setUpAll(false);
  document.addEventListener("htmx:after:settle", function () { setUpAll(true); });
})();
