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
// On a phone the topbar's menu folds behind a button (without this script it stays open).
document.addEventListener("DOMContentLoaded", function () {
  var toggle = document.querySelector(".topbar .nav-toggle");
  if (!toggle) {
    return;
  }
  var bar = toggle.closest(".topbar");
  bar.classList.add("nav-collapsible");
  toggle.addEventListener("click", function () {
    var open = bar.classList.toggle("nav-open");
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  });
});
// A table wider than its card scrolls inside a wrapper of its own, never the whole page.
function wrapTables(root) {
  var tables = root.querySelectorAll ? root.querySelectorAll("table") : [];
  Array.prototype.forEach.call(tables, function (table) {
    var parent = table.parentElement;
    if (!parent || parent.classList.contains("table-scroll")) {
      return;
    }
    var wrapper = document.createElement("div");
    wrapper.className = "table-scroll";
    parent.insertBefore(wrapper, table);
    wrapper.appendChild(table);
  });
}
document.addEventListener("DOMContentLoaded", function () {
  wrapTables(document);
});
document.addEventListener("htmx:load", function (event) {
  wrapTables(event.target);
});
// Inline feedback for HTMX actions: one live region (#feedback in base.html) says what happened.
var feedbackTimer = null;
function showFeedback(text, failed) {
  var region = document.getElementById("feedback");
  if (!region || !text) {
    return;
  }
  region.textContent = text;
  region.classList.toggle("error", !!failed);
  clearTimeout(feedbackTimer);
  feedbackTimer = setTimeout(function () {
    region.textContent = "";
  }, 6000);
}
document.addEventListener("feedback", function (event) {
  // a view's HX-Trigger: {"feedback": "Saved."} or {"feedback": {"value": "Saved."}}
  var detail = event.detail;
  showFeedback(detail && typeof detail === "object" ? detail.value : detail, false);
});
document.addEventListener("htmx:afterRequest", function (event) {
  var region = document.getElementById("feedback");
  var source = event.detail && event.detail.requestConfig && event.detail.requestConfig.elt;
  if (event.detail.failed) {
    showFeedback(region && region.getAttribute("data-failed"), true);
  } else if (source && source.getAttribute && source.getAttribute("data-feedback")) {
    showFeedback(source.getAttribute("data-feedback"), false);
  }
});
