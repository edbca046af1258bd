// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // Numbers written by script follow the page's language (Persian digits on Persian pages),
  // like the ones the server formats.
  var numberFormat = new Intl.NumberFormat(document.documentElement.lang || undefined);

  function updateBulkbar(form) {
    if (!form) return;
    var bar = form.querySelector("[data-bulkbar]");
    if (!bar) return;
    var checked = form.querySelectorAll('input[name="ids"]:checked').length;
    var counter = bar.querySelector("[data-selected-count]");
    if (counter) {
      if (!counter.dataset.empty) counter.dataset.empty = counter.textContent;
      counter.textContent = checked ? numberFormat.format(checked) + " ✓" : counter.dataset.empty;
    }
    bar.classList.toggle("has-selection", checked > 0);
    var action = bar.querySelector("[data-bulk-action]");
    bar.querySelectorAll("[data-bulk-for]").forEach(function (el) {
      el.hidden = !action || el.dataset.bulkFor !== action.value;
    });
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    var form = target.closest("form");
    if (target.matches("[data-select-all]") && form) {
      form.querySelectorAll('input[name="ids"]').forEach(function (box) { box.checked = target.checked; });
    }
    updateBulkbar(target.closest("#bulk-form"));
  });

  // A sortable column header swaps only the contact results: the Sort menu above them
  // follows the order the results say they are in.
  function syncSortMenu() {
    var results = document.getElementById("bulk-form");
    var menu = document.getElementById("sort-select");
    if (results && menu && results.dataset.sort && menu.value !== results.dataset.sort) menu.value = results.dataset.sort;
  }

  function init() { updateBulkbar(document.getElementById("bulk-form")); syncSortMenu(); }
  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("htmx:afterSettle", init);

  // Behaviour that used to sit in onsubmit/onclick attributes, which the
  // Content-Security-Policy forbids: <form data-confirm="question">, a form that must not
  // be sent (data-no-submit: the form builder's preview), <button data-copy-from="id">.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.hasAttribute("data-no-submit") || (form.dataset.confirm && !window.confirm(form.dataset.confirm))) {
      event.preventDefault();
    }
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-from]");
    if (!button) return;
    var source = document.getElementById(button.dataset.copyFrom);
    if (!source) return;
    var text = "value" in source ? source.value : source.textContent;
    if (source.select) source.select();
    if (navigator.clipboard) {
      navigator.clipboard.writeText(text).then(function () {
        if (button.dataset.done) button.textContent = button.dataset.done;
      }, function () { /* clipboard refused: the text stays selected for Ctrl+C */ });
    }
  });

  // Close the user menu when clicking elsewhere.
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.usermenu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.removeAttribute("open");
    });
  });
})();
