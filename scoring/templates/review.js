"use strict";
// Saves form,column,value rows as corrections.csv: the corrections applied before (so
// one file keeps them all) and then every input of this page, in order.
(function () {
  var button = document.getElementById("save");
  if (!button) { return; }
  function cell(text) {
    text = String(text);
    if (/^[=@\t\r]/.test(text)) { text = "'" + text; }  // never a formula in a spreadsheet
    return /[",\r\n]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
  }
  function rows() {
    var out = [["form", "column", "value"]];
    var seen = {};
    var applied = JSON.parse(document.getElementById("applied").textContent);
    var inputs = document.querySelectorAll("input.value");
    for (var k = 0; k < inputs.length; k++) {
      seen[inputs[k].dataset.form + "\u0000" + inputs[k].dataset.column] = true;
    }
    applied.forEach(function (c) {
      if (!seen[c[0] + "\u0000" + c[1]]) { out.push(c); }
    });
    for (var j = 0; j < inputs.length; j++) {
      out.push([inputs[j].dataset.form, inputs[j].dataset.column, inputs[j].value.trim()]);
    }
    return out.map(function (r) { return r.map(cell).join(","); }).join("\r\n") + "\r\n";
  }
  button.addEventListener("click", function () {
    var blob = new Blob(["\ufeff" + rows()], { type: "text/csv;charset=utf-8" });
    var link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = "corrections.csv";
    document.body.appendChild(link);
    link.click();
    link.remove();
    var status = document.getElementById("status");
    status.textContent = status.dataset.saved;
  });
}());
