/* ReDoc's footer draws the Redocly logo from cdn.redoc.ly; the docs make no request away from
   this host. An image address on another origin becomes an empty data address, so the image
   fails at once and ReDoc drops the logo (its own onError). Loaded before the bundle. */
(function () {
  "use strict";
  var elsewhere = function (value) {
    try {
      return new URL(String(value), location.href).origin !== location.origin &&
        /^https?:$/.test(new URL(String(value), location.href).protocol);
    } catch (e) {
      return false;
    }
  };
  var property = Object.getOwnPropertyDescriptor(HTMLImageElement.prototype, "src");
  Object.defineProperty(HTMLImageElement.prototype, "src", {
    configurable: true,
    enumerable: property.enumerable,
    get: property.get,
    set: function (value) {
      property.set.call(this, elsewhere(value) ? "data:," : value);
    }
  });
  var setAttribute = Element.prototype.setAttribute;
  Element.prototype.setAttribute = function (name, value) {
    if (this instanceof HTMLImageElement && String(name).toLowerCase() === "src" && elsewhere(value)) {
      value = "data:,";
    }
    return setAttribute.call(this, name, value);
  };
})();
