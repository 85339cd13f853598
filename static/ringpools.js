// Ring pool forms: the Local RingPool centre is given one way only. The fields of the
// ways not chosen under "Centre by" are disabled (so they are not sent either).
(function () {
  "use strict";

  function apply(group) {
    var chosen = group.querySelector("input[name=centre_by]:checked");
    var way = chosen ? chosen.value : "";
    group.querySelectorAll("[data-centre-way]").forEach(function (box) {
      var off = box.getAttribute("data-centre-way") !== way;
      box.classList.toggle("is-off", off);
      box.querySelectorAll("input, select, textarea").forEach(function (input) {
        input.disabled = off;
      });
    });
  }

  // A form that comes back with errors: move to the first field to fix (or to the
  // message at the top when no field is marked), so the error is seen and announced.
  function focusFirstError(form) {
    if (!form.querySelector(".form-errors")) return;
    var field = form.querySelector("[aria-invalid=true]:not([disabled])");
    if (field) {
      var details = field.closest("details");
      if (details) details.open = true;
      field.focus();
    } else {
      form.querySelector(".form-errors").focus();
    }
  }

  function init(root) {
    var scope = root && root.querySelectorAll ? root : document;
    if (scope.matches && scope.matches("[data-centre-group]")) apply(scope);
    scope.querySelectorAll("[data-centre-group]").forEach(apply);
    var form = scope.id === "ringpool-form" ? scope : scope.querySelector("#ringpool-form");
    if (form) focusFirstError(form);
  }

  document.addEventListener("change", function (e) {
    if (e.target && e.target.name === "centre_by") {
      var group = e.target.closest("[data-centre-group]");
      if (group) apply(group);
    }
  });
  document.addEventListener("htmx:load", function (e) {
    if (e.detail && e.detail.elt && e.detail.elt !== document.body) init(e.detail.elt);
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { init(document); });
  } else {
    init(document);
  }
})();
