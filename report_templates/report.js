// The report's only script: sort a table by a clicked column, filter the class by verdict.
// Plain DOM, no library, nothing loaded from anywhere. Without it the pages still read fine.
// It is inlined into index.html and leaderboard.html and allowed there by its hash, so it must
// never contain a less-than sign followed by a slash.
(function () {
  "use strict";

  function compare(a, b, numeric) {
    if (a === "" || b === "") {
      return (a === "") - (b === "");  // missing values last, whichever the direction
    }
    return numeric ? Number(a) - Number(b) : a.localeCompare(b, undefined, {numeric: true});
  }

  function sortBy(table, header) {
    var column = Number(header.dataset.col);
    var numeric = header.dataset.type === "num";
    var direction = header.getAttribute("aria-sort") === "ascending" ? -1 : 1;
    table.querySelectorAll("th[data-col]").forEach(function (h) { h.removeAttribute("aria-sort"); });
    header.setAttribute("aria-sort", direction === 1 ? "ascending" : "descending");
    var body = table.querySelector("tbody.rows");
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (x, y) {
      var a = x.cells[column].dataset.sort, b = y.cells[column].dataset.sort;
      var order = compare(a, b, numeric);
      if (a !== "" && b !== "") { order *= direction; }
      return order || Number(x.dataset.order) - Number(y.dataset.order);
    });
    rows.forEach(function (row) { body.appendChild(row); });
  }

  document.querySelectorAll("table.sortable").forEach(function (table) {
    table.querySelectorAll("th[data-col]").forEach(function (header) {
      header.addEventListener("click", function () { sortBy(table, header); });
    });
  });

  var select = document.getElementById("verdict-filter");
  if (!select) { return; }
  var rows = document.querySelectorAll("table.overview tbody.rows tr");
  var shown = document.getElementById("shown-count");

  function applyFilter() {
    var wanted = select.value, count = 0;
    rows.forEach(function (row) {
      var keep = !wanted || row.dataset.verdicts.split(" ").indexOf(wanted) >= 0;
      row.hidden = !keep;
      count += keep ? 1 : 0;
    });
    shown.textContent = count + " of " + rows.length + " students";
  }

  select.addEventListener("change", applyFilter);
  document.querySelectorAll("button[data-filter]").forEach(function (button) {
    button.addEventListener("click", function () {
      select.value = select.value === button.dataset.filter ? "" : button.dataset.filter;
      applyFilter();
      document.getElementById("class").scrollIntoView({behavior: "smooth"});
    });
  });
  applyFilter();
}());
