// Destinations list: bulk selection, and keeping the filter form in step with the
// table and with the browser history. Keyed on ids and data-* (no inline scripts: CSP).
(function () {
  "use strict";

  var IDLE_TEXT = "Tick rows to act on several at once.";

  function filterForm() {
    return document.getElementById("destination-filters");
  }

  function rowBoxes() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-select-row]"));
  }

  function describe(count, phones) {
    var text = count.toLocaleString() + (count === 1 ? " destination" : " destinations");
    if (phones.length && phones.length <= 5) text += " (" + phones.join(", ") + ")";
    return text;
  }

  function confirmText(action, what) {
    if (action === "delete") return "Delete " + what + " from Invoca? This cannot be undone.";
    if (action === "unignore") return "Un-ignore " + what + "?";
    return "Ignore " + what + "?";
  }

  // The bulk bar: how many are selected, and a confirmation naming them.
  function updateBulk() {
    var form = document.getElementById("bulk-form");
    if (!form) return;
    var boxes = rowBoxes();
    var checked = boxes.filter(function (box) { return box.checked; });
    var allBox = form.querySelector("[data-select-all-matching]");
    var allMatching = Boolean(allBox && allBox.checked);
    var total = allBox ? parseInt(allBox.getAttribute("data-total"), 10) || 0 : 0;
    var count = allMatching ? total : checked.length;

    var pageBox = document.querySelector("[data-select-page]");
    if (pageBox) {
      pageBox.checked = boxes.length > 0 && checked.length === boxes.length;
      pageBox.indeterminate = checked.length > 0 && checked.length < boxes.length;
    }
    var label = form.querySelector("[data-selected-count]");
    if (label) {
      label.textContent = count === 0
        ? IDLE_TEXT
        : allMatching
          ? "All " + count.toLocaleString() + " matching destinations selected"
          : count.toLocaleString() + " selected";
    }
    form.classList.toggle("has-selection", count > 0);
    var phones = allMatching ? [] : checked.map(function (box) { return box.getAttribute("data-phone") || ""; });
    var what = describe(count, phones);
    form.querySelectorAll("[data-bulk-action]").forEach(function (button) {
      button.disabled = count === 0;
      button.setAttribute("hx-confirm", confirmText(button.getAttribute("data-bulk-action"), what));
    });
  }

  document.addEventListener("change", function (e) {
    var target = e.target;
    if (!(target instanceof HTMLInputElement)) return;
    var allBox = document.querySelector("[data-select-all-matching]");
    if (target.hasAttribute("data-select-page")) {
      rowBoxes().forEach(function (box) { box.checked = target.checked; });
      if (!target.checked && allBox) allBox.checked = false;
    } else if (target.hasAttribute("data-select-all-matching")) {
      if (target.checked) rowBoxes().forEach(function (box) { box.checked = true; });
    } else if (target.hasAttribute("data-select-row")) {
      if (!target.checked && allBox) allBox.checked = false;
    } else {
      return;
    }
    updateBulk();
  });

  // Every swap (a new table, a re-rendered row) may change the selection.
  document.addEventListener("htmx:load", updateBulk);
  document.addEventListener("DOMContentLoaded", updateBulk);

  // After the table changed for another reason than typing (a "clear the search"
  // link, a history restore), show its query and campaign in the filter form. Never
  // touch the field the user is typing in.
  document.addEventListener("htmx:afterSettle", function () {
    var form = filterForm();
    var table = document.getElementById("destination-table");
    if (!form || !table) return;
    var query = form.elements.namedItem("query");
    if (query && document.activeElement !== query && query.value !== table.dataset.query) {
      query.value = table.dataset.query || "";
    }
    var campaign = form.elements.namedItem("campaign");
    if (campaign && document.activeElement !== campaign && campaign.value !== table.dataset.campaign) {
      campaign.value = table.dataset.campaign || "";
    }
  });

  // htmx snapshots the page's HTML for the back button: write the live values of the
  // filter form into its attributes first, so a restored page shows what was searched.
  document.addEventListener("htmx:beforeHistorySave", function () {
    var form = filterForm();
    if (!form) return;
    Array.prototype.forEach.call(form.elements, function (el) {
      if (el instanceof HTMLInputElement && (el.type === "search" || el.type === "text")) {
        el.setAttribute("value", el.value);
      } else if (el instanceof HTMLSelectElement) {
        Array.prototype.forEach.call(el.options, function (option) {
          if (option.selected) option.setAttribute("selected", "");
          else option.removeAttribute("selected");
        });
      }
    });
  });

  // Keep pushed URLs short: drop empty filter values, and values equal to their
  // default (data-default), from list requests.
  document.addEventListener("htmx:configRequest", function (e) {
    if (e.detail.verb !== "get" || !filterForm()) return;
    var params = e.detail.parameters;
    var defaults = {};
    document.querySelectorAll("[form=destination-filters][data-default]").forEach(function (el) {
      defaults[el.name] = el.getAttribute("data-default");
    });
    Object.keys(params).forEach(function (key) {
      if (params[key] === "" || params[key] === defaults[key]) delete params[key];
    });
  });
})();
