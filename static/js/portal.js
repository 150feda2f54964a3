// Small behaviours of the portal, kept out of the pages so the Content-Security-Policy can
// refuse every inline script.
document.addEventListener("change", function (event) {
  var field = event.target;
  if (field.matches && field.matches("[data-autosubmit]") && field.form) {
    field.form.submit();
  }
});
