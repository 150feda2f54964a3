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
// The elements matching `selector` in a swapped-in root, the root itself included.
function within(root, selector) {
  if (!root || !root.querySelectorAll) {
    return [];
  }
  var found = Array.prototype.slice.call(root.querySelectorAll(selector));
  if (root.matches && root.matches(selector)) {
    found.unshift(root);
  }
  return found;
}
// A table wider than its card scrolls inside a wrapper of its own, never the whole page.
function wrapTables(root) {
  var tables = within(root, "table");
  tables.forEach(function (table) {
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
// What scrolls sideways is reachable by keyboard: a table's wrapper or a <pre> wider than its
// box takes the focus (the arrow keys then scroll it); one that fits is no extra tab stop.
// A focusable region is named, so a screen reader says what it is: the table's caption, else
// the heading of its card, else the page's word for "scrolling content" (base.html).
function scrollerName(box) {
  var caption = box.querySelector("caption");
  if (caption && caption.textContent.trim()) {
    return caption.textContent.trim();
  }
  var card = box.closest("section, .card, main");
  var heading = card ? card.querySelector("h1, h2, h3") : null;
  if (heading && heading.textContent.trim()) {
    return heading.textContent.trim();
  }
  return document.body.getAttribute("data-scroll-label") || "";
}
function focusScrollers(root) {
  within(root, ".table-scroll, pre").forEach(function (box) {
    if (box.scrollWidth > box.clientWidth) {
      box.setAttribute("tabindex", "0");
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", scrollerName(box));
    } else if (box.getAttribute("tabindex") === "0") {
      box.removeAttribute("tabindex");
      box.removeAttribute("role");
      box.removeAttribute("aria-label");
    }
  });
}
document.addEventListener("DOMContentLoaded", function () {
  wrapTables(document);
  focusScrollers(document);
});
document.addEventListener("htmx:load", function (event) {
  wrapTables(event.target);
  focusScrollers(event.target);
});
window.addEventListener("resize", function () {
  focusScrollers(document);
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
// Inside a table cell a code, date or business number (INV-7016, PO-US01-000030, 2026-12-05,
// 3/4) stays whole: the browser would otherwise break it after a hyphen or slash. Each such
// word is put in a span that does not wrap; the text itself is unchanged (copy, search).
var JOINED = /(\S*[A-Za-z0-9][-/‐–][A-Za-z0-9]\S*)/;
var SKIPPED = { OPTION: 1, TEXTAREA: 1, SELECT: 1, SCRIPT: 1, STYLE: 1 };
function keepWordsWhole(root) {
  within(root, "td, th").forEach(function (cell) {
    var walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    var nodes = [];
    var node;
    while ((node = walker.nextNode())) {
      var parent = node.parentElement;
      if (JOINED.test(node.nodeValue) && !SKIPPED[parent.tagName] && !parent.closest(".nowrap")) {
        nodes.push(node);
      }
    }
    nodes.forEach(function (text) {
      var fragment = document.createDocumentFragment();
      text.nodeValue.split(JOINED).forEach(function (part, index) {
        if (index % 2 === 1) {
          var span = document.createElement("span");
          span.className = "nowrap";
          span.textContent = part;
          fragment.appendChild(span);
        } else if (part) {
          fragment.appendChild(document.createTextNode(part));
        }
      });
      text.parentNode.replaceChild(fragment, text);
    });
  });
}
document.addEventListener("DOMContentLoaded", function () {
  keepWordsWhole(document);
});
document.addEventListener("htmx:load", function (event) {
  keepWordsWhole(event.target);
});
