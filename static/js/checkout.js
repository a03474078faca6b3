// Card payment for a held booking, with Stripe.js.
// 1. #checkout: Stripe's card field; on "Pay", Stripe.js turns the card into a payment method
//    (asking the bank for 3-D Secure if needed) and the form posts only its id to our server.
// 2. #authenticate: the bank asks to confirm the payment itself; when the resident has answered,
//    the form posts so the server asks Stripe how it went.
(function () {
  "use strict";
  var checkout = document.getElementById("checkout");
  var authenticate = document.getElementById("authenticate");
  if (!checkout && !authenticate) return;
  var form = checkout || authenticate;
  if (typeof window.Stripe !== "function") {
    var alert = document.getElementById("checkout-error");
    if (alert) {
      alert.textContent = "The card form couldn't load. Check your connection and reload the page.";
      alert.hidden = false;
    }
    return;
  }
  var stripe = window.Stripe(form.dataset.publishableKey);

  if (authenticate) {
    stripe.confirmCardPayment(authenticate.dataset.paymentSecret).then(function () {
      authenticate.submit();
    });
    return;
  }

  var card = stripe.elements().create("card");
  card.mount("#card-element");
  var button = checkout.querySelector("button[type=submit]");
  var error = document.getElementById("checkout-error");
  var label = button.textContent;
  var methodField = checkout.querySelector("input[name=payment_method]");
  var busy = false;

  function fail(message) {
    error.textContent = message || "The payment did not go through. Check the card details and try again.";
    error.hidden = false;
    busy = false;
    button.disabled = false;
    button.textContent = label;
  }

  checkout.addEventListener("submit", function (event) {
    event.preventDefault();
    if (busy) return; // a double click pays once
    busy = true;
    button.disabled = true;
    button.textContent = button.dataset.busy;
    error.hidden = true;
    stripe.confirmCardSetup(checkout.dataset.setupSecret, { payment_method: { card: card } }).then(
      function (result) {
        if (result.error) {
          fail(result.error.message);
          return;
        }
        methodField.value = result.setupIntent.payment_method;
        checkout.submit();
      },
      function () {
        fail("We couldn't reach the payment service. Check your connection and try again.");
      }
    );
  });
})();
