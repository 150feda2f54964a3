// The confirm dialog of destructive and money-moving actions (templates/components/confirm.html).
// A submit button with data-confirm opens the <dialog> beside it, which repeats what will
// happen; "yes" posts the form with confirmation=given, "go back" or Esc changes nothing.
// The server asks again when the field is missing (apps/api/pages.py, confirm_first), so this
// file is a convenience, not the control. Where the dialog cannot open (no <dialog> beside the
// button, a browser without showModal) the form goes as it is, without the field, and the
// server's confirmation step asks. No inline script: the CSP refuses them.
(function () {
  function dialogOf(button) {
    var next = button.nextElementSibling;
    return next && next.matches("dialog[data-confirm-dialog]") ? next : null;
  }

  function canAsk(button) {
    var dialog = dialogOf(button);
    return !!dialog && typeof dialog.showModal === "function";
  }

  function markConfirmed(form) {
    if (form.querySelector("input[name=confirmation]")) {
      return;
    }
    var field = document.createElement("input");
    field.type = "hidden";
    field.name = "confirmation";
    field.value = "given";
    form.appendChild(field);
  }

  // Only once canAsk(button): proceed() sends the form with the confirmation.
  function ask(button, proceed) {
    var dialog = dialogOf(button);
    var yes = dialog.querySelector("[data-confirm-yes]");
    var no = dialog.querySelector("[data-confirm-no]");
    function settle(confirmed) {
      yes.removeEventListener("click", onYes);
      no.removeEventListener("click", onNo);
      dialog.removeEventListener("close", onClose);
      if (dialog.open) {
        dialog.close();
      }
      if (confirmed) {
        proceed();
      }
    }
    function onYes() { settle(true); }
    function onNo() { settle(false); }
    function onClose() { settle(false); }
    yes.addEventListener("click", onYes);
    no.addEventListener("click", onNo);
    dialog.addEventListener("close", onClose);
    dialog.showModal();
  }

  // A button that asks only for some choices (data-confirm-field, data-confirm-values): the
  // answer for the option chosen now, and the dialog names it.
  function wanted(button) {
    var name = button.getAttribute("data-confirm-field");
    if (!name) {
      return true;
    }
    var field = button.form && button.form.elements[name];
    var values = (button.getAttribute("data-confirm-values") || "").split(" ");
    if (!field || values.indexOf(field.value) < 0) {
      return false;
    }
    var choice = dialogOf(button) && dialogOf(button).querySelector("[data-confirm-choice]");
    if (choice && field.options) {
      choice.textContent = field.options[field.selectedIndex].text;
    }
    return true;
  }

  function isHtmx(button) {
    return button.hasAttribute("hx-post") || !!(button.form && button.form.hasAttribute("hx-post"));
  }

  // Plain forms: held at submit (after the browser checked required fields), sent on "yes".
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var form = event.target;
    if (!button || !button.matches("[data-confirm]") || isHtmx(button) || !wanted(button)) {
      return;
    }
    if (form.querySelector("input[name=confirmation]") || !canAsk(button)) {
      return;  // confirmed already, or sent without the field: the server asks
    }
    event.preventDefault();
    ask(button, function () {
      markConfirmed(form);
      form.requestSubmit(button);
    });
  });

  // HTMX buttons: htmx asks before it sends; the request waits for the answer.
  document.addEventListener("htmx:confirm", function (event) {
    var button = event.detail && event.detail.elt;
    if (!button || !button.matches || !button.matches("[data-confirm]") || !wanted(button)) {
      return;
    }
    if (!canAsk(button)) {
      return;  // sent without the field: the server's step shows in the page's main area
    }
    event.preventDefault();
    ask(button, function () {
      if (button.form) {
        markConfirmed(button.form);
      }
      event.detail.issueRequest(true);
    });
  });
})();
