// Live character count for text areas with a length limit: "120 of 1500 characters (at least 20)".
(function () {
  document.querySelectorAll("[data-counter-for]").forEach(function (out) {
    var area = document.getElementById(out.getAttribute("data-counter-for"));
    if (!area) return;
    var min = parseInt(area.getAttribute("minlength") || "0", 10);
    var max = parseInt(area.getAttribute("maxlength") || "0", 10);
    var update = function () {
      var n = area.value.length;
      var text = n + " of " + max + " characters";
      if (n < min) text += " (at least " + min + ")";
      out.textContent = text;
    };
    area.addEventListener("input", update);
    update();
  });
})();
