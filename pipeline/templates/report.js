// Draws the paragraphs of policytag's report from the JSON block #report-data (built by report.py).
// A document's paragraphs are drawn when it is opened, search hits a batch at a time: the page opens
// as fast with 500 reports as with 5. Text goes in with textContent only, never as markup.
// Address: #label=监督,立法 (filter), #q=专题询问 (full text), #term=票决制 (policy term), #doc=3 (open).
(function () {
  "use strict";
  var root = document.documentElement, started = performance.now();
  root.setAttribute("data-after-data-ms", Math.round(started));
  var data = JSON.parse(document.getElementById("report-data").textContent);
  root.setAttribute("data-parsed-ms", Math.round(performance.now() - started));  // for bench/bench_report.py
  var LABELS = data.labels, TERMS = data.terms, SECTIONS = data.sections, DOCS = data.docs;
  var NONE = LABELS.indexOf("无标签");
  var PERIODS = ["", "回顾", "部署"], KINDS = ["body", "heading", "glossary"];
  var BATCH = 100;  // search hits drawn at a time
  var WEAK = 20;  // a label the model scored at least this (%) without assigning it shows as a dashed badge

  var boxes = Array.prototype.slice.call(document.querySelectorAll("#filters input[type=checkbox]"));
  var details = Array.prototype.slice.call(document.querySelectorAll("details.doc"));
  var input = document.getElementById("q"), mode = document.getElementById("mode");
  var results = document.getElementById("results"), documents = document.getElementById("documents");
  var on = {}, hits = [], shownHits = 0, timer = null;

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function labelsOf(p) { return p[4].length ? p[4] : [NONE]; }
  function visible(p) { return labelsOf(p).some(function (l) { return on[LABELS[l]]; }); }

  function badge(l, score, weak) {
    var b = el("span", weak ? "badge weak" : "badge", LABELS[l]);
    var c = data.colors[LABELS[l]];
    b.style.background = c[0];
    b.style.color = c[1];
    b.setAttribute("data-label", LABELS[l]);
    if (score !== null && score !== undefined) {
      b.appendChild(el("span", "score", score));
      b.title = LABELS[l] + "：模型分数 " + score + "%" + (weak ? "（未达阈值）" : "");
    }
    return b;
  }

  function termTitle(t) {
    var tip = [t[0]];
    if (t[1]) { tip.push("类别：" + t[1]); }
    if (t[2]) { tip.push("释义：" + t[2]); }
    if (t[3]) { tip.push("始见：" + t[3]); }
    return tip.join("\n");
  }

  // The paragraph text with <mark class="term"> around terms and <mark class="hit"> around search hits.
  function body(p, hitSpans) {
    var text = p[0], spans = p[6], out = el("p"), cuts = {0: true}, i;
    cuts[text.length] = true;
    for (i = 0; i < spans.length; i += 3) { cuts[spans[i]] = true; cuts[spans[i + 1]] = true; }
    for (i = 0; i < hitSpans.length; i += 2) { cuts[hitSpans[i]] = true; cuts[hitSpans[i + 1]] = true; }
    var points = Object.keys(cuts).map(Number).sort(function (a, b) { return a - b; });
    for (var k = 0; k + 1 < points.length; k += 1) {
      var a = points[k], b = points[k + 1], node = document.createTextNode(text.slice(a, b));
      for (i = 0; i < hitSpans.length; i += 2) {
        if (hitSpans[i] <= a && b <= hitSpans[i + 1]) { var h = el("mark", "hit"); h.appendChild(node); node = h; break; }
      }
      for (i = 0; i < spans.length; i += 3) {
        if (spans[i] <= a && b <= spans[i + 1]) {
          var t = TERMS[spans[i + 2]], m = el("mark", "term");
          m.setAttribute("data-canonical", t[0]);
          if (t[1]) {
            m.setAttribute("data-category", t[1]);
            m.style.setProperty("--c", data.colors[t[1]][0]);
            if (data.colors[t[1]][2]) { m.classList.add("repeated"); }
          }
          m.title = termTitle(t);
          m.appendChild(node);
          node = m;
          break;
        }
      }
      out.appendChild(node);
    }
    return out;
  }

  function paragraph(p, hitSpans) {
    var div = el("div", "para " + KINDS[p[1]]);
    div.setAttribute("data-labels", labelsOf(p).map(function (l) { return LABELS[l]; }).join("|"));
    var tags = el("div", "tags"), scores = p[5];
    labelsOf(p).forEach(function (l) { tags.appendChild(badge(l, scores[l] === undefined ? null : scores[l], false)); });
    scores.forEach(function (s, l) {
      if (s !== null && s >= WEAK && p[4].indexOf(l) < 0) { tags.appendChild(badge(l, s, true)); }
    });
    var where = [PERIODS[p[2]], SECTIONS[p[3]]].filter(Boolean).join(" · ");
    if (where) { tags.appendChild(el("span", "where", where)); }
    div.appendChild(tags);
    div.appendChild(body(p, hitSpans || []));
    div.hidden = !visible(p);
    return div;
  }

  function render(d) {
    if (d.getAttribute("data-rendered")) { return; }
    var frag = document.createDocumentFragment();
    DOCS[+d.getAttribute("data-doc")].paras.forEach(function (p) { frag.appendChild(paragraph(p)); });
    d.appendChild(frag);
    d.setAttribute("data-rendered", "1");
  }

  function open(d) { render(d); d.open = true; }

  // --------------------------------------------------------------------------- label filter

  function readBoxes() {
    on = {};
    boxes.forEach(function (b) { if (b.checked) { on[b.value] = true; } });
  }

  function applyFilter() {
    readBoxes();
    var shown = 0, total = 0;
    DOCS.forEach(function (doc, n) {
      var k = 0;
      doc.paras.forEach(function (p) { if (visible(p)) { k += 1; } });
      shown += k;
      total += doc.paras.length;
      var c = details[n].querySelector(".count");
      c.textContent = k + " / " + c.getAttribute("data-total") + " 段";
      if (details[n].getAttribute("data-rendered")) {
        var divs = details[n].querySelectorAll(".para");
        doc.paras.forEach(function (p, i) { divs[i].hidden = !visible(p); });
      }
    });
    document.getElementById("shown").textContent = "显示 " + shown + " / " + total + " 段";
    if (input.value) { search(); }
  }

  // --------------------------------------------------------------------------- search

  function textHits(text, q) {
    var spans = [], at = text.indexOf(q);
    while (at >= 0) { spans.push(at, at + q.length); at = text.indexOf(q, at + q.length); }
    return spans;
  }

  function termHits(p, q) {
    var spans = [], s = p[6];
    for (var i = 0; i < s.length; i += 3) {
      if (TERMS[s[i + 2]][0] === q || p[0].slice(s[i], s[i + 1]) === q) { spans.push(s[i], s[i + 1]); }
    }
    return spans;
  }

  function search() {
    var q = input.value.trim(), byTerm = mode.value === "term";
    hits = [];
    shownHits = 0;
    results.textContent = "";
    if (!q) {
      results.hidden = true;
      documents.hidden = false;
      return;
    }
    DOCS.forEach(function (doc, n) {
      doc.paras.forEach(function (p, i) {
        if (!visible(p)) { return; }
        var spans = byTerm ? termHits(p, q) : textHits(p[0], q);
        if (spans.length) { hits.push([n, i, spans]); }
      });
    });
    var docsHit = {};
    hits.forEach(function (h) { docsHit[h[0]] = true; });
    results.appendChild(el("p", "note", (byTerm ? "政策词语" : "全文") + "“" + q + "”：" + hits.length + " 段，" +
      Object.keys(docsHit).length + " 份文档"));
    var clear = el("button", null, "清除搜索");
    clear.type = "button";
    clear.addEventListener("click", function () { input.value = ""; search(); setHash(); });
    results.appendChild(clear);
    results.hidden = false;
    documents.hidden = true;
    more();
  }

  function more() {
    var old = results.querySelector("button.more");
    if (old) { old.remove(); }
    var last = shownHits ? hits[shownHits - 1][0] : -1, end = Math.min(hits.length, shownHits + BATCH);
    for (; shownHits < end; shownHits += 1) {
      var h = hits[shownHits];
      if (h[0] !== last) {
        var head = el("h3"), a = el("a", null, DOCS[h[0]].name);
        a.href = "#doc=" + h[0];
        head.appendChild(a);
        results.appendChild(head);
        last = h[0];
      }
      results.appendChild(paragraph(DOCS[h[0]].paras[h[1]], h[2]));
    }
    if (shownHits < hits.length) {
      var button = el("button", "more", "再显示 " + Math.min(BATCH, hits.length - shownHits) + " 段（共 " + hits.length + " 段）");
      button.type = "button";
      button.addEventListener("click", more);
      results.appendChild(button);
    }
  }

  // --------------------------------------------------------------------------- address

  function hashParams() {
    var out = {};
    window.location.hash.replace(/^#/, "").split("&").forEach(function (part) {
      var at = part.indexOf("=");
      if (at <= 0) { return; }
      try {
        out[part.slice(0, at)] = decodeURIComponent(part.slice(at + 1));
      } catch (e) {  // a malformed address (#label=%E0%A4%A): ignore that part, show everything
      }
    });
    return out;
  }

  function setHash() {
    var q = input.value.trim();
    var hash = q ? (mode.value === "term" ? "#term=" : "#q=") + encodeURIComponent(q) : " ";
    history.replaceState(null, "", hash === " " ? window.location.pathname + window.location.search : hash);
  }

  function fromHash() {
    var params = hashParams();
    if (params.label !== undefined) {
      var wanted = params.label.split(",");
      boxes.forEach(function (b) { b.checked = wanted.indexOf(b.value) >= 0; });
    }
    if (params.term !== undefined) { mode.value = "term"; input.value = params.term; }
    else if (params.q !== undefined) { mode.value = "text"; input.value = params.q; }
    applyFilter();
    if (params.term !== undefined || params.q !== undefined) { document.getElementById("paragraphs").scrollIntoView(); }
    if (params.label !== undefined) {  // open the documents that hold matching paragraphs (the first 20)
      var opened = 0;
      DOCS.forEach(function (doc, n) {
        if (opened < 20 && doc.paras.some(visible)) { open(details[n]); opened += 1; }
      });
    }
    if (params.doc !== undefined && details[+params.doc]) {
      var d = details[+params.doc];
      if (input.value) { input.value = ""; search(); }
      open(d);
      d.scrollIntoView();
    }
  }

  // --------------------------------------------------------------------------- wiring

  details.forEach(function (d) { d.addEventListener("toggle", function () { if (d.open) { render(d); } }); });
  boxes.forEach(function (b) { b.addEventListener("change", applyFilter); });
  document.getElementById("all").addEventListener("click", function () {
    boxes.forEach(function (b) { b.checked = true; }); applyFilter();
  });
  document.getElementById("none").addEventListener("click", function () {
    boxes.forEach(function (b) { b.checked = false; }); applyFilter();
  });
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { search(); setHash(); }, 200);
  });
  mode.addEventListener("change", function () { search(); setHash(); });
  window.addEventListener("hashchange", fromHash);

  var allDocs = document.getElementById("all-docs");
  if (allDocs) {
    allDocs.addEventListener("click", function () { root.classList.add("all-docs"); allDocs.parentNode.remove(); });
  }

  readBoxes();
  root.classList.remove("loading");  // lay the page out once, now
  if (data.openAll) { details.forEach(open); } else if (details.length) { open(details[0]); }
  fromHash();
  root.setAttribute("data-script-ms", Math.round(performance.now() - started));
  root.setAttribute("data-ready-ms", Math.round(performance.now()));
  requestAnimationFrame(function () {
    requestAnimationFrame(function () {
      root.setAttribute("data-painted-ms", Math.round(performance.now()));
      var fcp = performance.getEntriesByName("first-contentful-paint")[0];
      if (fcp) { root.setAttribute("data-fcp-ms", Math.round(fcp.startTime)); }
    });
  });
}());
