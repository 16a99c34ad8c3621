// Warns before the session times out and lets the user stay logged in without losing what
// they are typing (the request is sent in the background). Without this script, the notice
// at the top of the page does the same job with a plain form.
(function () {
  "use strict";
  var box = document.getElementById("session-timeout");
  var dialog = document.getElementById("session-timeout-dialog");
  if (!box || !dialog || typeof dialog.showModal !== "function") {
    return;
  }
  var text = document.getElementById("session-dialog-text");
  var extendButton = document.getElementById("session-extend");
  var loginLink = document.getElementById("session-login");
  var csrf = box.querySelector("input[name=csrf_token]").value;
  var lang = document.documentElement.lang;
  // The server's clock decides; correct for a browser clock that is off.
  var skew = Date.now() - Date.parse(box.dataset.now);
  var expiresAt = Date.parse(box.dataset.expiresAt) + skew;
  var warningMs = Number(box.dataset.warningSeconds) * 1000;
  var timer = null;
  var originalText = text.textContent;

  function formatTime(ms) {
    return new Intl.DateTimeFormat(lang, { hour: "2-digit", minute: "2-digit" }).format(new Date(ms));
  }

  function schedule() {
    clearTimeout(timer);
    var untilWarning = expiresAt - warningMs - Date.now();
    timer = setTimeout(warn, Math.max(0, untilWarning));
  }

  function warn() {
    if (Date.now() >= expiresAt) {
      return expired();
    }
    if (!dialog.open) {
      dialog.showModal();
      extendButton.focus();
    }
    clearTimeout(timer);
    timer = setTimeout(expired, Math.max(0, expiresAt - Date.now()));
  }

  function expired() {
    text.textContent = text.dataset.expiredText;
    extendButton.hidden = true;
    loginLink.hidden = false;
    loginLink.href = box.dataset.loginUrl;
    if (!dialog.open) {
      dialog.showModal();
    }
    loginLink.focus();
  }

  extendButton.addEventListener("click", function () {
    fetch(box.dataset.extendUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, "X-Requested-With": "fetch", "Accept": "application/json" }
    }).then(function (response) {
      if (!response.ok) {
        throw new Error("not extended");
      }
      return response.json();
    }).then(function (body) {
      skew = Date.now() - Date.parse(body.now);
      expiresAt = Date.parse(body.expires_at) + skew;
      var notice = document.getElementById("session-timeout-text");
      notice.textContent = notice.textContent.replace(/\d{1,2}[:.]\d{2}/, formatTime(expiresAt));
      text.textContent = originalText.replace(/\d{1,2}[:.]\d{2}/, formatTime(expiresAt));
      dialog.close();
      schedule();
    }).catch(expired);
  });

  schedule();
}());
