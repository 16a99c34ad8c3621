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
  var heading = document.getElementById("session-dialog-title");
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

  // The time on Norway's clock, as the server writes it, whatever the browser's time zone.
  function formatTime(ms) {
    return new Intl.DateTimeFormat(lang, {
      hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: "Europe/Oslo"
    }).format(new Date(ms));
  }

  function schedule() {
    clearTimeout(timer);
    // A warning as long as the session itself (a short idle timeout) comes halfway instead:
    // it would otherwise open as soon as a page loads.
    var left = expiresAt - Date.now();
    var untilWarning = left - (warningMs < left ? warningMs : left / 2);
    timer = setTimeout(warn, Math.max(0, untilWarning));
  }

  // The form on the page that holds what the person typed, if any.
  function typedForm() {
    var forms = document.querySelectorAll("main form[method=post]");
    for (var i = 0; i < forms.length; i++) {
      var fields = forms[i].querySelectorAll("input:not([type=hidden]), textarea, select");
      if (fields.length > 0) {
        return forms[i];
      }
    }
    return null;
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
    heading.textContent = heading.dataset.expiredText;
    text.textContent = text.dataset.expiredText;
    extendButton.hidden = true;
    loginLink.hidden = false;
    loginLink.href = box.dataset.loginUrl;
    if (!dialog.open) {
      dialog.showModal();
    }
    loginLink.focus();
  }

  // Logging in again keeps what was typed: the page's form is sent, the server keeps it
  // (the session has ended) and shows it again after the login, as without this script.
  loginLink.addEventListener("click", function (event) {
    var form = typedForm();
    if (form) {
      event.preventDefault();
      HTMLFormElement.prototype.submit.call(form);
    }
  });

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
