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
    var what = allMatching
      ? "all " + count.toLocaleString() + " matching " + nouns
      : count.toLocaleString() + " " + (count === 1 ? form.getAttribute("data-noun") : nouns);
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

  // Shift-click ticks every row from the last one ticked (or unticks them).
  var lastBox = null;
  document.addEventListener("click", function (e) {
    var box = e.target;
    if (!(box instanceof HTMLInputElement) || !box.hasAttribute("data-select-row")) return;
    var boxes = rowBoxes();
    if (e.shiftKey && lastBox && lastBox !== box && boxes.indexOf(lastBox) >= 0) {
      var a = boxes.indexOf(lastBox), b = boxes.indexOf(box);
      boxes.slice(Math.min(a, b), Math.max(a, b) + 1).forEach(function (other) { other.checked = box.checked; });
      updateBulk();
    }
    lastBox = box;
  });

  // Keyboard: "/" searches the list, j/k move between rows, x ticks the row, "?" shows
  // the shortcuts. Keys typed into a field are never taken.
  var current = null;
  function listRows() {
    var table = document.querySelector("[data-list]");
    if (!table) return [];
    return Array.prototype.filter.call(table.querySelectorAll("tbody tr"), function (row) {
      return !row.querySelector(".empty");
    });
  }
  function moveTo(row) {
    if (current) current.classList.remove("row-current");
    current = row;
    row.classList.add("row-current");
    row.tabIndex = -1;
    row.focus();
  }
  document.addEventListener("keydown", function (e) {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
    var target = e.target;
    if (target.closest && target.closest("input, select, textarea, [contenteditable], dialog[open]")) {
      if (e.key === "Escape" && target.matches("input[type=search]")) target.blur();
      return;
    }
    var rows = listRows();
    if (current && rows.indexOf(current) < 0) current = null;  // the table was swapped
    var at = rows.indexOf(current);
    if (e.key === "/") {
      var search = document.querySelector("input[type=search]");
      if (search) { e.preventDefault(); search.focus(); search.select(); }
    } else if ((e.key === "j" || e.key === "k") && rows.length) {
      e.preventDefault();
      var next = at < 0 ? 0 : at + (e.key === "j" ? 1 : -1);
      moveTo(rows[Math.max(0, Math.min(rows.length - 1, next))]);
    } else if (e.key === "x" && current) {
      var tick = current.querySelector("[data-select-row]");
      if (tick) { e.preventDefault(); tick.click(); }
    } else if (e.key === "?") {
      var help = document.getElementById("shortcuts-dialog");
      if (help) { e.preventDefault(); help.showModal(); }
    }
  });

  // Focus stays where the user was when htmx swaps the table (a sort header, a page
  // link, a row's action): the same control, found again by its key, or its row.
  var focused = null;
  function keyOf(el) {
    return el.getAttribute("data-focus-key") || el.getAttribute("aria-label") || el.id || "";
  }
  document.addEventListener("htmx:beforeRequest", function () {
    var el = document.activeElement;
    if (!el || el === document.body || !el.closest("[data-list]")) { focused = null; return; }
    var row = el.closest("tr[id]");
    focused = { key: keyOf(el), row: row ? row.id : "" };
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (!focused) return;
    var wanted = focused;
    focused = null;
    var active = document.activeElement;
    if (active && active !== document.body && document.contains(active)) return;  // kept
    var found = null;
    if (wanted.key) {
      var key = CSS.escape(wanted.key);
      found = document.querySelector('[data-focus-key="' + key + '"], [aria-label="' + key + '"]');
    }
    var row = wanted.row && document.getElementById(wanted.row);
    if (!found && row) found = row.querySelector("button:not([disabled])") || row.querySelector("a");
    if (!found) {
      found = document.querySelector("[data-list]");
      if (found) found.tabIndex = -1;
    }
    if (found) found.focus();
  });

  // Search history: the first request of a search pushes one history entry; while the user
  // types on, the next ones ask the server to replace it (X-List-Typing, see
  // core/lists.py render_list), so Back leaves the whole search in one step. A search ends
  // when the field loses focus or after TYPING_PAUSE ms without a keystroke.
  var TYPING_PAUSE = 2000;
  function searchOf(elt) {
    if (!elt || !elt.matches) return null;
    if (elt.matches("input[type=search]")) return elt;
    return elt.matches("form") ? elt.querySelector("input[type=search][data-typing]") : null;
  }
  document.addEventListener("htmx:configRequest", function (e) {
    var search = searchOf(e.detail.elt);
    if (!search) return;
    var at = parseInt(search.dataset.typing || "0", 10);
    if (at && Date.now() - at < TYPING_PAUSE) e.detail.headers["X-List-Typing"] = "true";
    if (search === e.detail.elt || at) search.dataset.typing = String(Date.now());
  });
  document.addEventListener("focusout", function (e) {
    if (e.target.matches && e.target.matches("input[type=search]")) delete e.target.dataset.typing;
  });

  // A disclosure of the list (saved views, columns) or the navigation stays open when htmx
  // redraws it (e.g. the list after a column was hidden).
  var openKeys = [];
  document.addEventListener("htmx:beforeSwap", function () {
    openKeys = Array.prototype.map.call(document.querySelectorAll("details[data-keep-open][open]"), function (d) {
      return d.getAttribute("data-keep-open");
    });
  });
  document.addEventListener("htmx:afterSwap", function () {
    openKeys.forEach(function (key) {
      var d = document.querySelector('details[data-keep-open="' + CSS.escape(key) + '"]');
      if (d) d.open = true;
    });
    openKeys = [];
  });
  // Escape closes an open disclosure and gives the focus back to its summary.
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape") return;
    var d = e.target.closest && e.target.closest("details[data-keep-open][open]");
    if (d) { d.open = false; d.querySelector("summary").focus(); }
  });
  // The column chooser saved a choice: the list redraws in the same state.
  document.body.addEventListener("columnsChanged", function () {
    var list = document.querySelector("[data-list]");
    if (list && window.htmx) window.htmx.trigger(list, "refresh");
  });

  // Every swap (a new table, a re-rendered row, a history restore) may change the selection.
  document.addEventListener("htmx:load", updateBulk);
  document.addEventListener("DOMContentLoaded", updateBulk);
})();
