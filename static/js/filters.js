// Keeps the results form's "Free" choice and its day field in step, so each change sends one clear
// search: picking a day chooses "On a day", any other choice clears the day, and choosing
// "On a day" waits for the day instead of searching at once. Listens on the document in the
// capture phase, so it runs before htmx sends the form and survives the form being swapped.
(function () {
  document.addEventListener(
    "change",
    function (event) {
      var form = event.target.form;
      if (!form || form.id !== "filters") return;
      var choice = form.elements.namedItem("available");
      var day = form.elements.namedItem("day");
      if (!choice || !day) return;
      if (event.target === day) {
        if (day.value) choice.value = "day";
      } else if (event.target === choice) {
        if (choice.value !== "day") {
          day.value = "";
        } else if (!day.value) {
          event.stopPropagation();
          day.focus();
          if (day.showPicker) {
            try { day.showPicker(); } catch (e) { /* only allowed after a click or key press */ }
          }
        }
      }
    },
    true
  );
})();
