// The partner console's branding editor: the preview follows the colours, name and logo as
// the partner picks them, and each colour's WCAG AA check is said again at once. The figures
// are those of apps/tenancy/contrast.py (contrast_ratio, text_colour_on, aa_shade, link_colour), computed
// the same way, so the page says live what the server says on save; the preview is drawn with
// the portal's own --brand-* variables, as context_processors.brand_colours sets them.
(function () {
  "use strict";
  var preview = document.getElementById("brand-preview");
  var form = document.getElementById("branding-form");
  if (!preview || !form) {
    return;
  }
  var HEX = /^#[0-9a-fA-F]{6}$/;
  var LIGHT = "#ffffff";
  var PAGE = "#f6f7f9"; // contrast.PAGE_BACKGROUND

  function rgb(colour) {
    var v = colour.replace("#", "");
    return [0, 2, 4].map(function (i) { return parseInt(v.slice(i, i + 2), 16); });
  }
  function channel(value) {
    var c = value / 255;
    return c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
  }
  function luminance(colour) {
    var c = rgb(colour).map(channel);
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  }
  function ratio(a, b) {
    var la = luminance(a), lb = luminance(b);
    return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
  }
  function textOn(background) {
    return ratio(LIGHT, background) >= 4.5 ? LIGHT : shade(background, background, 7);
  }
  // Python's round(): halves go to the even neighbour
  function roundHalfEven(x) {
    var floor = Math.floor(x);
    var diff = x - floor;
    if (diff === 0.5) {
      return floor % 2 === 0 ? floor : floor + 1;
    }
    return Math.round(x);
  }
  function hex(parts) {
    return "#" + parts.map(function (v) { return ("0" + v.toString(16)).slice(-2); }).join("");
  }
  function shade(colour, against, needed) {
    if (ratio(colour, against) >= needed) {
      return colour;
    }
    var parts = rgb(colour);
    for (var step = 1; step <= 100; step++) {
      var factor = 1 - step / 100;
      var candidate = hex(parts.map(function (v) { return roundHalfEven(v * factor); }));
      if (ratio(candidate, against) >= needed) {
        return candidate;
      }
    }
    return "#000000";
  }
  function shown(value) {
    return (Math.floor(value * 100) / 100).toFixed(2);
  }

  function field(name) {
    return form.querySelector("[data-brand='" + name + "']");
  }

  function check(box, colour) {
    var against = box.getAttribute("data-against");
    var needed = parseFloat(box.getAttribute("data-needed"));
    var value = ratio(colour, against);
    var passes = value >= needed;
    var proposed = shade(colour, against, needed).toUpperCase();
    box.classList.toggle("failing", !passes);
    box.querySelector("[data-when=passes]").hidden = !passes;
    box.querySelector("[data-when=fails]").hidden = passes;
    box.querySelectorAll("[data-value]").forEach(function (span) {
      var what = span.getAttribute("data-value");
      if (what === "ratio") {
        span.textContent = shown(value);
      } else if (what === "colour") {
        span.textContent = colour.toUpperCase();
      } else if (what === "proposed") {
        span.textContent = proposed;
      } else if (what === "proposed_ratio") {
        span.textContent = shown(ratio(proposed, against));
      } else if (what === "proposed-swatch") {
        span.style.backgroundColor = proposed;
      }
    });
    var use = box.querySelector("[data-use-shade]");
    if (use) {
      use.value = box.getAttribute("data-contrast") + ":" + proposed;
    }
  }

  function update() {
    var primary = field("primary_color");
    var accent = field("accent_color");
    // the portal's own variables, derived as context_processors.brand_colours derives them
    if (primary && HEX.test(primary.value)) {
      preview.style.setProperty("--brand-primary", primary.value);
      preview.style.setProperty("--brand-primary-text", textOn(primary.value));
      preview.style.setProperty("--brand-link", shade(primary.value, PAGE, 4.5));
    }
    if (accent && HEX.test(accent.value)) {
      preview.style.setProperty("--brand-accent", accent.value);
      preview.style.setProperty("--brand-accent-text", textOn(accent.value));
    }
    document.querySelectorAll("[data-contrast]").forEach(function (box) {
      var input = field(box.getAttribute("data-contrast"));
      if (input && HEX.test(input.value)) {
        check(box, input.value);
      }
    });
    var name = field("portal_name");
    var label = preview.querySelector("[data-preview=portal_name]");
    if (name && label && name.value.trim()) {
      label.textContent = name.value.trim();
    }
  }

  form.addEventListener("input", update);
  form.addEventListener("change", function (event) {
    var input = event.target;
    if (input.getAttribute("data-brand") !== "logo" || !input.files || !input.files[0]) {
      return update();
    }
    var reader = new FileReader();
    reader.onload = function () {
      var logo = preview.querySelector("[data-preview=logo]");
      if (logo && /^data:image\/(png|jpeg);/.test(reader.result)) {
        logo.src = reader.result;
        logo.hidden = false;
      }
    };
    reader.readAsDataURL(input.files[0]);
  });
  // "Use the proposed shade": into the picker at once (saved with the form); without this
  // script the button saves the shade itself.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-use-shade]");
    if (!button) {
      return;
    }
    var input = field(button.getAttribute("data-use-shade"));
    var proposed = button.value.split(":")[1];
    if (!input || !HEX.test(proposed || "")) {
      return;
    }
    event.preventDefault();
    input.value = proposed.toLowerCase();
    update();
    input.focus();
  });
  update();
})();
