// Offline search of the corpus (fazhi.docpages): finds a phrase in every section of window.FAZHI_SEARCH
// (loaded by search-index.js) and shows each match in its context, linked to its section. Results are
// built with textContent, never as HTML, so text from the corpus cannot run as markup.
(function () {
  "use strict";
  var CONTEXT = 24, LIMIT = 500;
  var records = window.FAZHI_SEARCH || [];
  var input = document.getElementById("fazhi-search-input");
  var status = document.getElementById("fazhi-search-status");
  var body = document.querySelector("#fazhi-search-results tbody");
  if (!input || !status || !body) return;

  function cell(row, text, cls) {
    var td = document.createElement("td");
    if (cls) td.className = cls;
    if (text !== null) {
      var span = document.createElement("span");  // isolated, so a right-aligned context keeps its order
      span.textContent = text;
      td.appendChild(span);
    }
    row.appendChild(td);
    return td;
  }

  function run() {
    var q = input.value.trim();
    while (body.firstChild) body.removeChild(body.firstChild);
    if (!q) { status.textContent = records.length + " section(s) searchable."; return; }
    var needle = q.toLowerCase(), n = 0, sections = 0, docs = {};
    for (var i = 0; i < records.length && n < LIMIT; i++) {
      var r = records[i], text = r[4], hay = text.toLowerCase(), at = hay.indexOf(needle), found = false;
      while (at !== -1 && n < LIMIT) {
        found = true; n++;
        var row = document.createElement("tr");
        var where = cell(row, null, "doc");
        var a = document.createElement("a");
        a.href = r[0] + ".html#s-" + r[1];
        a.textContent = r[2] + (r[3] ? " · " + r[3] : "");
        where.appendChild(a);
        // keyword in context: the left context right-aligned, the keyword, the right context
        cell(row, text.slice(Math.max(0, at - CONTEXT), at).replace(/\s+/g, " "), "left");
        cell(row, text.slice(at, at + q.length), "kw");
        cell(row, text.slice(at + q.length, at + q.length + CONTEXT).replace(/\s+/g, " "), "right");
        body.appendChild(row);
        at = hay.indexOf(needle, at + Math.max(1, needle.length));
      }
      if (found) { sections++; docs[r[0]] = true; }
    }
    status.textContent = n + (n >= LIMIT ? "+" : "") + " match(es) in " + sections + " section(s) of " +
      Object.keys(docs).length + " document(s).";
  }

  input.addEventListener("input", run);
  var given = new URLSearchParams(window.location.search).get("q");
  if (given) input.value = given;
  run();
})();
