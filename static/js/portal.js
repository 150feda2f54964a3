// Small behaviours of the portal, kept out of the pages so the Content-Security-Policy can
// refuse every inline script.
document.addEventListener("change", function (event) {
  var field = event.target;
  if (field.matches && field.matches("[data-autosubmit]") && field.form) {
    field.form.submit();
  }
});
// A long hash or id is shown shortened; its copy button puts the whole value on the clipboard.
document.addEventListener("click", function (event) {
  var button = event.target.closest && event.target.closest("[data-copy]");
  if (!button || !navigator.clipboard) {
    return;
  }
  navigator.clipboard.writeText(button.getAttribute("data-copy")).then(function () {
    button.textContent = "✓";
  });
});
