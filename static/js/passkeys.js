// Passkeys (WebAuthn) on /account/security/, /account/sessions/ and /account/verify/: a form
// with data-passkey-register adds one (navigator.credentials.create), a form with
// data-passkey-verify answers the second step of signing in (navigator.credentials.get). The
// server makes the options and checks the answers (apps/accounts/mfa/passkeys/); this file only
// carries bytes between them as base64url. No inline script: the page's CSP allows none.
(function () {
  "use strict";

  function toBytes(text) {
    var b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    b64 += "===".slice((b64.length + 3) % 4);
    var raw = atob(b64);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes.buffer;
  }

  function toText(buffer) {
    var bytes = new Uint8Array(buffer);
    var raw = "";
    for (var i = 0; i < bytes.length; i++) raw += String.fromCharCode(bytes[i]);
    return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function descriptors(list) {
    return (list || []).map(function (d) {
      return { type: d.type, id: toBytes(d.id), transports: d.transports };
    });
  }

  function post(form, url, body) {
    var token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token },
      body: JSON.stringify(body || {}),
    }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) throw new Error(data.detail || response.statusText);
        return data;
      });
    });
  }

  function shown(form, error) {
    var place = form.querySelector("[data-passkey-error]");
    if (!place) return;
    place.textContent = error && error.message ? error.message : String(error);
    place.hidden = false;
  }

  function register(form) {
    return post(form, form.dataset.options).then(function (options) {
      options.challenge = toBytes(options.challenge);
      options.user.id = toBytes(options.user.id);
      options.excludeCredentials = descriptors(options.excludeCredentials);
      return navigator.credentials.create({ publicKey: options });
    }).then(function (credential) {
      var response = credential.response;
      return post(form, form.dataset.answer, {
        name: (form.querySelector("[name=name]") || {}).value || "",
        credential: {
          id: credential.id,
          rawId: toText(credential.rawId),
          type: credential.type,
          response: {
            clientDataJSON: toText(response.clientDataJSON),
            attestationObject: toText(response.attestationObject),
            transports: response.getTransports ? response.getTransports() : [],
          },
          clientExtensionResults: credential.getClientExtensionResults(),
        },
      });
    }).then(function () {
      window.location.assign(form.dataset.back || window.location.pathname);
    });
  }

  function verify(form) {
    return post(form, form.dataset.options).then(function (options) {
      options.challenge = toBytes(options.challenge);
      options.allowCredentials = descriptors(options.allowCredentials);
      return navigator.credentials.get({ publicKey: options });
    }).then(function (credential) {
      var response = credential.response;
      return post(form, form.dataset.answer, {
        next: (form.querySelector("[name=next]") || {}).value || "",
        credential: {
          id: credential.id,
          rawId: toText(credential.rawId),
          type: credential.type,
          response: {
            clientDataJSON: toText(response.clientDataJSON),
            authenticatorData: toText(response.authenticatorData),
            signature: toText(response.signature),
            userHandle: response.userHandle ? toText(response.userHandle) : null,
          },
          clientExtensionResults: credential.getClientExtensionResults(),
        },
      });
    }).then(function (answer) {
      window.location.assign(answer.next || "/");
    });
  }

  function wire(selector, ceremony) {
    document.querySelectorAll(selector).forEach(function (form) {
      if (!window.PublicKeyCredential) {
        form.hidden = true;
        return;
      }
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        ceremony(form).catch(function (error) { shown(form, error); });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    wire("form[data-passkey-register]", register);
    wire("form[data-passkey-verify]", verify);
  });
})();
