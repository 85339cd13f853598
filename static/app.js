// Invoca admin: a few behaviours keyed on data-* attributes. No inline scripts (CSP).
(function () {
  "use strict";

  function showMessage(text, level) {
    var box = document.getElementById("messages");
    if (!box) return;
    var div = document.createElement("div");
    div.className = "message message-" + (level || "error");
    var span = document.createElement("span");
    span.textContent = text; // never HTML
    var close = document.createElement("button");
    close.type = "button";
    close.className = "message-close";
    close.setAttribute("data-dismiss", "");
    close.setAttribute("aria-label", "Dismiss");
    close.textContent = "×";
    div.appendChild(span);
    div.appendChild(close);
    box.appendChild(div);
  }

  // Dismiss a message.
  document.addEventListener("click", function (e) {
    var btn = e.target.closest("[data-dismiss]");
    if (btn) btn.closest(".message").remove();
  });

  // A message with an Undo: gone once its Undo was sent, and by itself after ten seconds
  // (later while the pointer or the focus is on it).
  document.addEventListener("htmx:afterRequest", function (e) {
    var message = e.target.closest && e.target.closest(".message");
    if (message && e.target.matches(".message-undo")) message.remove();
  });
  function autohide(root) {
    (root.querySelectorAll ? root : document).querySelectorAll("[data-autohide]").forEach(function (message) {
      if (message.dataset.hiding) return;
      message.dataset.hiding = "1";
      message.querySelectorAll(".message-undo").forEach(function (undo) {
        if (!document.querySelector(undo.getAttribute("hx-target"))) undo.remove();  // not on this page
      });
      (function wait() {
        setTimeout(function () {
          if (message.matches(":hover") || message.contains(document.activeElement)) wait();
          else message.remove();
        }, 10000);
      })();
    });
  }
  document.addEventListener("htmx:load", function (e) { autohide(e.detail.elt || document); });
  document.addEventListener("DOMContentLoaded", function () { autohide(document); });

  // Confirmations: an in-page <dialog> naming what will happen, for htmx requests
  // (hx-confirm) and for plain forms with data-confirm.
  function confirmDialog(text, okLabel) {
    var dialog = document.getElementById("confirm-dialog");
    if (!dialog || typeof dialog.showModal !== "function") {
      return Promise.resolve(window.confirm(text));
    }
    dialog.querySelector("[data-confirm-text]").textContent = text;
    dialog.querySelector("[data-confirm-ok]").textContent = okLabel || "Confirm";
    dialog.returnValue = "";
    return new Promise(function (resolve) {
      dialog.addEventListener("close", function onClose() {
        dialog.removeEventListener("close", onClose);
        resolve(dialog.returnValue === "ok");
      });
      dialog.showModal();
    });
  }

  document.addEventListener("htmx:confirm", function (e) {
    var question = e.detail.question;
    if (!question) return;
    e.preventDefault();
    var elt = e.detail.elt;
    var label = elt && elt.getAttribute("data-confirm-label");
    confirmDialog(question, label).then(function (ok) {
      if (ok) e.detail.issueRequest(true);
    });
  });

  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form.hasAttribute("data-confirm") || form.hasAttribute("hx-post") || form.dataset.confirmed) return;
    e.preventDefault();
    var submitter = e.submitter;
    confirmDialog(form.getAttribute("data-confirm"), form.getAttribute("data-confirm-label")).then(function (ok) {
      if (!ok) return;
      form.dataset.confirmed = "1";
      if (submitter) form.requestSubmit(submitter); else form.requestSubmit();
    });
  });

  // htmx errors are shown, never silently dropped.
  document.addEventListener("htmx:responseError", function (e) {
    var status = e.detail.xhr.status;
    var said = e.detail.xhr.getResponseHeader("X-Message");  // the error page's own words
    var text = said ? decodeURIComponent(said) : status === 403
      ? "You do not have permission to do that (403)."
      : status === 404
        ? "That item no longer exists (404). Reload the page to see the current data."
        : "The server answered with an error (" + status + "). Nothing was changed; please try again.";
    showMessage(text, "error");
  });
  document.addEventListener("htmx:sendError", function () {
    showMessage("The dashboard could not be reached. Check your connection and try again.", "error");
  });
  document.addEventListener("htmx:timeout", function () {
    showMessage("The request took too long and was abandoned. Please try again.", "error");
  });

  // A <select> that htmx swaps in shows the option its markup marks selected (or its
  // first): when htmx moves options into a select one by one, the browser keeps the last
  // one selected, so a filter would show (and then submit) a choice the URL does not have.
  document.addEventListener("htmx:afterSettle", function () {
    document.querySelectorAll("select[data-markup-selection]").forEach(function (select) {
      var chosen = select.querySelector("option[selected]") || select.options[0];
      if (chosen) select.value = chosen.value;
    });
  });

  // A select whose choice loads the next field (data-loads-for: the value the page was
  // drawn for): a choice made before htmx was ready (a slow page), or one the browser
  // restored on Back, still loads what it chose.
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("select[data-loads-for]").forEach(function (select) {
      if (select.value !== select.getAttribute("data-loads-for") && window.htmx) {
        window.htmx.trigger(select, "change");
      }
    });
  });

  // A sync that just finished refreshes whatever list is on screen.
  document.body && document.body.addEventListener("syncFinished", function () {
    var target = document.querySelector("[data-refresh-on-sync]");
    if (target && window.htmx) window.htmx.trigger(target, "refresh");
  });
})();
