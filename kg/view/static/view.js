// The kg view page's script: draws the graph with vis-network and wires the search box, the type
// check boxes, the paper-count slider, the tooltip and the details panel. The page calls
// kgStartView with its data (KG: details, titles, styles, kinds...; vis DataSets of nodes and edges;
// vis-network options). Paper text is only ever put on screen with textContent.
/* exported kgStartView */
function kgStartView(KG, nodes, edges, options) {
  "use strict";
  var ENTITY = {Method: true, Dataset: true, Metric: true, Task: true};
  var view = window.kgView = {nodes: nodes, edges: edges, drawnAt: null, stabilizedAt: null, ready: false,
                              startedAt: performance.now()};
  var container = document.getElementById("mynetwork");
  var network = view.network = new vis.Network(container, {nodes: nodes, edges: edges}, options);
  network.once("afterDrawing", function () {
    view.drawnAt = performance.now();
    view.ready = true;
  });
  if (KG.physics) {
    network.once("stabilizationIterationsDone", function () { view.stabilizedAt = performance.now(); });
  }

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    if (cls) { e.className = cls; }
    return e;
  }

  // The details of node i as DOM (textContent only: paper text is never parsed as HTML).
  function describe(i, full) {
    var d = KG.details[i], box = document.createDocumentFragment();
    var head = el("div");
    head.appendChild(el("span", d.name, "kg-name"));
    head.appendChild(el("span", d.kind, "kg-kind"));
    box.appendChild(head);
    var dl = el("dl");
    function row(label, value) {
      if (value === undefined || value === null || value === "") { return; }
      dl.appendChild(el("dt", label));
      dl.appendChild(el("dd", value));
    }
    if (d.aliases && d.aliases.length) { row("Aliases", d.aliases.join(", ")); }
    if (d.paperCount !== undefined) { row("Papers", d.paperCount); }
    row("Value", d.high ? d.value + " to " + d.high : d.value);
    row("Unit", d.unit);
    row("Claim kind", d.claimKind);
    row("Metric", d.metric);
    row("Dataset", d.dataset);
    row("Method", d.method);
    row("Sentence", d.sentence);
    row("Paper id", d.id);
    row("Year", d.year);
    row("Authors", d.authors);
    if (full) { row("URL", d.url); row("Abstract", d.abstract); }
    box.appendChild(dl);
    if (d.papers && d.papers.length) {
      var shown = full ? d.papers : d.papers.slice(0, 5);
      box.appendChild(el("div", d.kind === "Claim" ? "From the paper" : "Papers", "kg-hint"));
      var ul = el("ul");
      shown.forEach(function (t) { ul.appendChild(el("li", KG.titles[t])); });
      var more = (d.paperCount || d.papers.length) - shown.length;
      if (more > 0) { ul.appendChild(el("li", "\u2026 and " + more + " more")); }
      box.appendChild(ul);
    }
    return box;
  }

  var tooltip = document.getElementById("kg-tooltip");
  var details = document.getElementById("kg-details");
  function showTooltip(i, event) {
    tooltip.replaceChildren(describe(i, false));
    tooltip.hidden = false;
    var x = 14, y = 14;
    if (event && event.clientX !== undefined) { x += event.clientX; y += event.clientY; }
    var w = tooltip.offsetWidth, h = tooltip.offsetHeight;
    if (x + w > window.innerWidth) { x = Math.max(0, window.innerWidth - w - 4); }
    if (y + h > window.innerHeight) { y = Math.max(0, window.innerHeight - h - 4); }
    tooltip.style.left = x + "px";
    tooltip.style.top = y + "px";
  }
  function hideTooltip() { tooltip.hidden = true; }
  function showDetails(i) { details.replaceChildren(describe(i, true)); }
  view.describe = function (i) { var div = el("div"); div.appendChild(describe(i, true)); return div.textContent; };
  network.on("hoverNode", function (p) { showTooltip(p.node, p.event); });
  network.on("blurNode", hideTooltip);
  network.on("dragStart", hideTooltip);
  network.on("zoom", hideTooltip);
  network.on("selectNode", function (p) { if (p.nodes.length) { showDetails(p.nodes[0]); } });

  // Filters: kinds shown and the smallest paper count of entities.
  var shownKinds = {}, minPapers = KG.minPapers;
  KG.kinds.forEach(function (k) { shownKinds[k] = true; });
  var counts = document.getElementById("kg-counts");
  function isHidden(n) { return !shownKinds[n.kind] || (ENTITY[n.kind] === true && n.papers < minPapers); }
  function applyFilters() {
    var changes = [], visible = {}, nVisible = 0, nEdges = 0;
    nodes.forEach(function (n) {
      var hide = isHidden(n);
      if (!hide) { visible[n.id] = true; nVisible += 1; }
      if (Boolean(n.hidden) !== hide) { changes.push({id: n.id, hidden: hide}); }
    });
    if (changes.length) { nodes.update(changes); }
    edges.forEach(function (e) { if (visible[e.from] && visible[e.to]) { nEdges += 1; } });
    view.visibleNodes = nVisible;
    view.visibleEdges = nEdges;
    counts.textContent = nVisible + " of " + nodes.length + " nodes, " +
      nEdges + " of " + edges.length + " edges shown";
  }
  view.applyFilters = applyFilters;

  var legend = document.getElementById("kg-legend");
  KG.kinds.forEach(function (k) {
    var label = el("label", null, "kg-legend-row");
    var box = el("input");
    box.type = "checkbox";
    box.checked = true;
    box.id = "kg-type-" + k;
    box.value = k;
    box.addEventListener("change", function () { shownKinds[k] = box.checked; applyFilters(); });
    var glyph = el("span", KG.styles[k].glyph, "kg-glyph");
    glyph.style.color = KG.styles[k].color;
    label.appendChild(box);
    label.appendChild(glyph);
    label.appendChild(el("span", k));
    label.appendChild(el("span", KG.kindCounts[k], "kg-count"));
    legend.appendChild(label);
  });

  var slider = document.getElementById("kg-min-papers");
  var sliderValue = document.getElementById("kg-min-papers-value");
  slider.min = String(KG.minPapers);
  slider.max = String(Math.max(KG.maxPapers, KG.minPapers));
  slider.value = String(KG.minPapers);
  sliderValue.textContent = String(KG.minPapers);
  slider.addEventListener("input", function () {
    minPapers = Number(slider.value);
    sliderValue.textContent = slider.value;
    applyFilters();
  });

  // Search by name or alias; Enter or a click jumps to the node and selects it.
  var search = document.getElementById("kg-search");
  var results = document.getElementById("kg-results");
  var names = KG.details.map(function (d) {
    return [d.name].concat(d.aliases || []).map(function (s) { return String(s).toLowerCase(); });
  });
  function find(query) {
    var q = query.trim().toLowerCase(), found = [];
    if (!q) { return found; }
    names.forEach(function (list, i) {
      var best = 9;
      list.forEach(function (s) {
        if (s === q) { best = Math.min(best, 0); }
        else if (s.indexOf(q) === 0) { best = Math.min(best, 1); }
        else if (s.indexOf(q) > 0) { best = Math.min(best, 2); }
      });
      if (best < 9) { found.push([best, KG.details[i].kind === "Claim" ? 1 : 0, -(KG.details[i].paperCount || 0), i]); }
    });
    found.sort(function (a, b) { return a[0] - b[0] || a[1] - b[1] || a[2] - b[2] || a[3] - b[3]; });
    return found.slice(0, 12).map(function (f) { return f[3]; });
  }
  function jump(i) {
    var n = nodes.get(i);
    if (isHidden(n)) {
      shownKinds[n.kind] = true;
      document.getElementById("kg-type-" + n.kind).checked = true;
      if (ENTITY[n.kind] && n.papers < minPapers) {
        minPapers = Math.max(KG.minPapers, n.papers);
        slider.value = String(minPapers);
        sliderValue.textContent = slider.value;
      }
      applyFilters();
    }
    network.selectNodes([i]);
    network.focus(i, {scale: Math.max(network.getScale(), 1.0), animation: false});
    showDetails(i);
    view.selected = i;
  }
  view.find = find;
  view.jump = jump;
  function listResults() {
    results.replaceChildren();
    find(search.value).forEach(function (i) {
      var li = el("li"), button = el("button");
      button.type = "button";
      button.appendChild(el("span", KG.details[i].name));
      button.appendChild(el("span", KG.details[i].kind, "kg-kind"));
      button.addEventListener("click", function () { jump(i); });
      li.appendChild(button);
      results.appendChild(li);
    });
  }
  search.addEventListener("input", listResults);
  search.addEventListener("keydown", function (e) {
    if (e.key === "Enter") {
      var hits = find(search.value);
      if (hits.length) { jump(hits[0]); }
    }
  });

  applyFilters();
  if (KG.focus !== null && KG.focus !== undefined) {
    network.selectNodes([KG.focus]);
    showDetails(KG.focus);
  }
  return view;
}
