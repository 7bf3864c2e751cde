// Label filter: a paragraph shows when any of its labels is checked.
// "#label=监督" or "#label=监督,立法" in the address opens with only those labels checked.
(function () {
  "use strict";
  var boxes = Array.prototype.slice.call(document.querySelectorAll("#filters input[type=checkbox]"));
  var paras = Array.prototype.slice.call(document.querySelectorAll(".para"));
  var docs = Array.prototype.slice.call(document.querySelectorAll("details.doc"));

  function apply() {
    var on = {};
    boxes.forEach(function (b) { if (b.checked) { on[b.value] = true; } });
    var shown = 0;
    paras.forEach(function (p) {
      var visible = p.getAttribute("data-labels").split("|").some(function (l) { return on[l]; });
      p.hidden = !visible;
      if (visible) { shown += 1; }
    });
    docs.forEach(function (d) {
      var n = d.querySelectorAll(".para:not([hidden])").length;
      var c = d.querySelector(".count");
      c.textContent = n + " / " + c.getAttribute("data-total") + " 段";
    });
    document.getElementById("shown").textContent = "显示 " + shown + " / " + paras.length + " 段";
  }

  function fromHash() {
    var m = /(?:^#|&)label=([^&]*)/.exec(window.location.hash);
    if (!m) { return false; }
    var wanted;
    try {
      wanted = decodeURIComponent(m[1]).split(",");
    } catch (e) {  // a malformed address (#label=%E0%A4%A): ignore it, show everything
      return false;
    }
    boxes.forEach(function (b) { b.checked = wanted.indexOf(b.value) >= 0; });
    docs.forEach(function (d) {  // open the documents that hold matching paragraphs
      var hit = Array.prototype.some.call(d.querySelectorAll(".para"), function (p) {
        return p.getAttribute("data-labels").split("|").some(function (l) { return wanted.indexOf(l) >= 0; });
      });
      if (hit) { d.open = true; }
    });
    return true;
  }

  boxes.forEach(function (b) { b.addEventListener("change", apply); });
  document.getElementById("all").addEventListener("click", function () {
    boxes.forEach(function (b) { b.checked = true; }); apply();
  });
  document.getElementById("none").addEventListener("click", function () {
    boxes.forEach(function (b) { b.checked = false; }); apply();
  });
  window.addEventListener("hashchange", function () { fromHash(); apply(); });
  fromHash();
  apply();
}());
