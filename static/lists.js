// The list component's bulk selection bar (templates/components/list.html#bulk_bar):
// how many rows are ticked, and a confirmation naming them. Keyed on ids and data-*
// (no inline scripts: CSP). Filters, sorting, paging and Back need no script: htmx
// and the server do them (invoca_admin/core/lists.py).
(function () {
  "use strict";

  function rowBoxes() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-select-row]"));
  }

  function updateBulk() {
    var form = document.getElementById("bulk-form");
    if (!form) return;
    var boxes = rowBoxes();
    var checked = boxes.filter(function (box) { return box.checked; });
    var allBox = form.querySelector("[data-select-all-matching]") || document.querySelector("[data-select-all-matching]");
    var allMatching = Boolean(allBox && allBox.checked);
    var count = allMatching ? parseInt(allBox.getAttribute("data-total"), 10) || 0 : checked.length;

    var pageBox = document.querySelector("[data-select-page]");
    if (pageBox) {
      pageBox.checked = boxes.length > 0 && checked.length === boxes.length;
      pageBox.indeterminate = checked.length > 0 && checked.length < boxes.length;
    }
    var nouns = form.getAttribute("data-nouns");
    form.querySelector("[data-selected-count]").textContent = count === 0
      ? "Tick rows to act on several at once."
      : allMatching
        ? "All " + count.toLocaleString() + " matching " + nouns + " selected"
        : count.toLocaleString() + " selected";
    form.classList.toggle("has-selection", count > 0);
    var what = count.toLocaleString() + " " + (count === 1 ? form.getAttribute("data-noun") : nouns);
    var labels = checked.map(function (box) { return box.getAttribute("data-label") || ""; });
    if (!allMatching && labels.length && labels.length <= 5) what += " (" + labels.join(", ") + ")";
    form.querySelectorAll("[data-bulk-action]").forEach(function (button) {
      button.disabled = count === 0;
      button.setAttribute("hx-confirm", button.getAttribute("data-bulk-action").replace("{what}", what));
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

  // Every swap (a new table, a re-rendered row, a history restore) may change the selection.
  document.addEventListener("htmx:load", updateBulk);
  document.addEventListener("DOMContentLoaded", updateBulk);
})();
