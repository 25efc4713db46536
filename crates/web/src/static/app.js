// Exhibit workbench: progressive enhancement only; every page works without it.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  // A filter box above tables marked data-filter: hides rows not containing the text.
  document.querySelectorAll("table[data-filter]").forEach(function (table) {
    var box = document.createElement("input");
    box.type = "search";
    box.placeholder = "Filter rows";
    table.parentNode.insertBefore(box, table);
    box.addEventListener("input", function () {
      var q = box.value.toLowerCase();
      table.querySelectorAll("tbody tr").forEach(function (tr) {
        tr.hidden = q !== "" && tr.textContent.toLowerCase().indexOf(q) < 0;
      });
    });
  });
  // Ask before removing a tag.
  document.querySelectorAll("form[data-confirm]").forEach(function (f) {
    f.addEventListener("submit", function (e) {
      if (!window.confirm(f.getAttribute("data-confirm"))) { e.preventDefault(); }
    });
  });
});
