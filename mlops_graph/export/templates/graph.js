/* The page's behaviour. Every string from the graph is set with textContent or as a DOM property. */
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("graph-data").textContent);
  var details = data.details;
  var DIM_OPACITY = 0.15;
  var FONT = { color: data.options.nodes.font.color, strokeWidth: data.options.nodes.font.strokeWidth };
  var DIM_FONT = { color: "rgba(87, 96, 106, 0.25)", strokeWidth: 0 };
  var EDGE_COLOR = data.options.edges.color;
  var DIM_EDGE_COLOR = { color: "#d0d7de", highlight: EDGE_COLOR.highlight, hover: EDGE_COLOR.hover, opacity: 0.25 };
  var KIND_ORDER = {};
  var KIND_NAME = {};
  data.kinds.forEach(function (kind, index) {
    KIND_ORDER[kind.kind] = index;
    KIND_NAME[kind.kind] = kind.singular;
  });

  var nodes = new vis.DataSet(data.nodes);
  var edges = new vis.DataSet(data.edges);
  var physics = Boolean(data.options.physics && data.options.physics.enabled);
  var state = { ready: false, readyAt: null, selected: null, hiddenKinds: [] };
  var dimmedNodes = new Set();
  var dimmedEdges = new Set();
  var idsByKind = {};
  data.nodes.forEach(function (node) {
    (idsByKind[node.group] = idsByKind[node.group] || []).push(node.id);
  });
  var idsByIri = null;

  /* The vis-network id of the node with this IRI, or null. */
  function idOf(iri) {
    if (idsByIri === null) {
      idsByIri = new Map();
      details.forEach(function (info, id) { idsByIri.set(info.iri, id); });
    }
    return idsByIri.has(iri) ? idsByIri.get(iri) : null;
  }

  function byId(id) { return document.getElementById(id); }

  function element(tag, text, className) {
    var el = document.createElement(tag);
    if (text !== undefined && text !== null) { el.textContent = String(text); }
    if (className) { el.className = className; }
    return el;
  }

  function clear(el) {
    while (el.firstChild) { el.removeChild(el.firstChild); }
  }

  function isWebUrl(href) {
    if (typeof href !== "string") { return false; }
    try {
      var url = new URL(href);
      return url.protocol === "http:" || url.protocol === "https:";
    } catch (error) {
      return false;
    }
  }

  /* ------------------------------------------------------------------ status and legend */

  var status = byId("view-status");
  status.textContent = data.view.message + " Showing " + data.view.nodes.toLocaleString("en") +
    " nodes and " + data.view.edges.toLocaleString("en") + " links.";
  if (data.view.folded) { status.className = "folded"; }
  document.body.setAttribute("data-view", data.view.folded ? "folded" : "full");

  var SVG = "http://www.w3.org/2000/svg";

  function shapeIcon(shape, color) {
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("width", "18");
    svg.setAttribute("height", "18");
    svg.setAttribute("viewBox", "0 0 20 20");
    svg.setAttribute("aria-hidden", "true");
    var el;
    if (shape === "dot") {
      el = document.createElementNS(SVG, "circle");
      el.setAttribute("cx", "10"); el.setAttribute("cy", "10"); el.setAttribute("r", "7");
    } else if (shape === "square") {
      el = document.createElementNS(SVG, "rect");
      el.setAttribute("x", "3"); el.setAttribute("y", "3"); el.setAttribute("width", "14"); el.setAttribute("height", "14");
    } else {
      var points = {
        diamond: "10,2 18,10 10,18 2,10",
        triangle: "10,2 18,17 2,17",
        triangleDown: "2,3 18,3 10,18",
        star: "10,1.5 12.4,7.2 18.5,7.6 13.8,11.6 15.3,17.6 10,14.3 4.7,17.6 6.2,11.6 1.5,7.6 7.6,7.2"
      }[shape] || "3,3 17,3 17,17 3,17";
      el = document.createElementNS(SVG, "polygon");
      el.setAttribute("points", points);
    }
    el.setAttribute("fill", color);
    el.setAttribute("stroke", "#1f2328");
    el.setAttribute("stroke-width", "0.8");
    svg.appendChild(el);
    return svg;
  }

  var legend = byId("legend");
  var checkboxes = {};
  data.kinds.forEach(function (kind) {
    var item = element("li");
    var label = element("label");
    var box = element("input");
    box.type = "checkbox";
    box.checked = true;
    box.disabled = kind.count === 0;
    box.value = kind.kind;
    box.setAttribute("data-kind", kind.kind);
    box.addEventListener("change", function () { setKindVisible(kind.kind, box.checked); });
    checkboxes[kind.kind] = box;
    label.appendChild(box);
    label.appendChild(shapeIcon(kind.shape, kind.color));
    label.appendChild(element("span", kind.name));
    label.appendChild(element("span", kind.folded ? "folded" : kind.count.toLocaleString("en"), "kind-count"));
    item.appendChild(label);
    legend.appendChild(item);
  });

  /* ------------------------------------------------------------------ the network */

  var network = new vis.Network(byId("graph"), { nodes: nodes, edges: edges }, data.options);
  var stable = !physics;

  network.once("stabilizationIterationsDone", function () {
    network.setOptions({ physics: { enabled: false } });
    stable = true;
    network.redraw();
  });
  network.on("afterDrawing", function () {
    if (stable && !state.ready) {
      state.ready = true;
      state.readyAt = performance.now();
      document.body.setAttribute("data-ready", "true");
    }
  });

  /* ------------------------------------------------------------------ kind filter */

  function setKindVisible(kind, visible) {
    var hidden = state.hiddenKinds.indexOf(kind) >= 0;
    if (visible === !hidden) { return; }
    if (visible) {
      state.hiddenKinds.splice(state.hiddenKinds.indexOf(kind), 1);
    } else {
      state.hiddenKinds.push(kind);
    }
    if (checkboxes[kind]) { checkboxes[kind].checked = visible; }
    var ids = idsByKind[kind] || [];
    nodes.update(ids.map(function (id) { return { id: id, hidden: !visible }; }));
    if (!visible && state.selected !== null && details[state.selected].kind === kind) {
      deselect();
    }
  }

  /* ------------------------------------------------------------------ neighbourhood highlight */

  function highlight(id) {
    var keepNodes = new Set(network.getConnectedNodes(id));
    keepNodes.add(id);
    var keepEdges = new Set(network.getConnectedEdges(id));
    var nodeUpdates = [];
    var edgeUpdates = [];
    nodes.getIds().forEach(function (nodeId) {
      var dim = !keepNodes.has(nodeId);
      if (dim && !dimmedNodes.has(nodeId)) {
        dimmedNodes.add(nodeId);
        nodeUpdates.push({ id: nodeId, opacity: DIM_OPACITY, font: DIM_FONT });
      } else if (!dim && dimmedNodes.has(nodeId)) {
        dimmedNodes.delete(nodeId);
        nodeUpdates.push({ id: nodeId, opacity: 1, font: FONT });
      }
    });
    edges.getIds().forEach(function (edgeId) {
      var dim = !keepEdges.has(edgeId);
      if (dim && !dimmedEdges.has(edgeId)) {
        dimmedEdges.add(edgeId);
        edgeUpdates.push({ id: edgeId, color: DIM_EDGE_COLOR });
      } else if (!dim && dimmedEdges.has(edgeId)) {
        dimmedEdges.delete(edgeId);
        edgeUpdates.push({ id: edgeId, color: EDGE_COLOR });
      }
    });
    nodes.update(nodeUpdates);
    edges.update(edgeUpdates);
  }

  function clearHighlight() {
    var nodeUpdates = [];
    var edgeUpdates = [];
    dimmedNodes.forEach(function (nodeId) {
      nodeUpdates.push({ id: nodeId, opacity: 1, font: FONT });
    });
    dimmedEdges.forEach(function (edgeId) { edgeUpdates.push({ id: edgeId, color: EDGE_COLOR }); });
    dimmedNodes.clear();
    dimmedEdges.clear();
    nodes.update(nodeUpdates);
    edges.update(edgeUpdates);
  }

  /* ------------------------------------------------------------------ details panel */

  var panel = byId("details");

  function detailValue(row) {
    var dd = element("dd");
    if (row.items) {
      var list = element("ul");
      row.items.forEach(function (item) { list.appendChild(element("li", item)); });
      if (row.more) { list.appendChild(element("li", "… and " + row.more.toLocaleString("en") + " more", "more")); }
      dd.appendChild(list);
    } else if (row.href && isWebUrl(row.href)) {
      var link = element("a", row.text);
      link.href = new URL(row.href).href;
      link.rel = "noopener noreferrer";
      link.target = "_blank";
      dd.appendChild(link);
    } else {
      dd.textContent = row.text;
      if (row.name === "Quote") { dd.className = "quote"; }
    }
    return dd;
  }

  function showDetails(id) {
    var info = details[id];
    if (!info) { return; }
    byId("details-kind").textContent = KIND_NAME[info.kind];
    byId("details-title").textContent = info.label;
    var rows = byId("details-rows");
    clear(rows);
    info.rows.forEach(function (row) {
      rows.appendChild(element("dt", row.name));
      rows.appendChild(detailValue(row));
    });
    var links = byId("details-links");
    clear(links);
    var seen = new Set();
    var connected = [];
    network.getConnectedEdges(id).forEach(function (edgeId) {
      var edge = edges.get(edgeId);
      if (!edge) { return; }
      var other = edge.from === id ? edge.to : edge.from;
      var key = other + "\u0000" + edge.relation;
      if (seen.has(key) || !details[other]) { return; }
      seen.add(key);
      connected.push({
        id: other, relation: edge.relation, count: edge.count, outgoing: edge.from === id, label: details[other].label
      });
    });
    connected.sort(function (a, b) {
      return a.label < b.label ? -1 : a.label > b.label ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
    });
    byId("details-links-title").hidden = connected.length === 0;
    connected.slice(0, 60).forEach(function (link) {
      var item = element("li");
      var button = element("button");
      button.type = "button";
      var relation = link.relation + (link.count ? " (" + link.count.toLocaleString("en") + ")" : "");
      button.appendChild(element("span", (link.outgoing ? "→ " : "← ") + relation + " ", "link-relation"));
      button.appendChild(document.createTextNode(link.label));
      button.title = link.label;
      button.addEventListener("click", function () { focusNode(link.id); });
      item.appendChild(button);
      links.appendChild(item);
    });
    if (connected.length > 60) {
      links.appendChild(element("li", "… and " + (connected.length - 60).toLocaleString("en") + " more", "more"));
    }
    panel.hidden = false;
    panel.setAttribute("data-node", id);
  }

  function hideDetails() {
    panel.hidden = true;
    panel.removeAttribute("data-node");
  }

  function select(id) {
    state.selected = id;
    showDetails(id);
    highlight(id);
  }

  function deselect() {
    state.selected = null;
    network.unselectAll();
    hideDetails();
    clearHighlight();
  }

  network.on("selectNode", function (params) {
    if (params.nodes.length) { select(params.nodes[0]); }
  });
  network.on("deselectNode", function (params) {
    if (!params.nodes.length) { deselect(); }
  });
  byId("details-close").addEventListener("click", deselect);

  function focusNode(id) {
    var info = details[id];
    if (!info) { return false; }
    setKindVisible(info.kind, true);
    network.selectNodes([id], true);
    select(id);
    network.focus(id, {
      scale: 1.0,
      offset: { x: panel.hidden ? 0 : -panel.offsetWidth / 2, y: 0 },
      animation: { duration: 350, easingFunction: "easeInOutQuad" }
    });
    return true;
  }

  /* ------------------------------------------------------------------ search */

  function normalize(text) {
    return String(text).normalize("NFKC").toLowerCase().replace(/\s+/g, " ").trim();
  }

  var searchIndex = null;

  function search(query, limit) {
    var q = normalize(query);
    if (!q) { return []; }
    if (searchIndex === null) {
      searchIndex = details.map(function (info, id) {
        return { id: id, kind: info.kind, label: info.label, terms: [info.label].concat(info.search).map(normalize) };
      });
    }
    var hits = [];
    searchIndex.forEach(function (entry) {
      var best = 4;
      entry.terms.forEach(function (term) {
        var rank = term === q ? 0 : term.indexOf(q) === 0 ? 1 : term.indexOf(" " + q) >= 0 ? 2 : term.indexOf(q) >= 0 ? 3 : 4;
        if (rank < best) { best = rank; }
      });
      if (best < 4) { hits.push({ id: entry.id, kind: entry.kind, label: entry.label, rank: best }); }
    });
    hits.sort(function (a, b) {
      return a.rank - b.rank || (KIND_ORDER[a.kind] - KIND_ORDER[b.kind]) || a.label.length - b.label.length ||
        (a.label < b.label ? -1 : a.label > b.label ? 1 : 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    });
    return hits.slice(0, limit || 20);
  }

  var searchInput = byId("search-input");
  var searchResults = byId("search-results");
  var searchMessage = byId("search-message");

  function showResults(hits, query) {
    clear(searchResults);
    if (!normalize(query)) {
      searchMessage.textContent = "";
      return;
    }
    searchMessage.textContent = hits.length ? "" : "No node has that label.";
    hits.forEach(function (hit) {
      var item = element("li");
      var button = element("button");
      button.type = "button";
      button.appendChild(element("span", hit.label, "result-label"));
      button.appendChild(element("span", KIND_NAME[hit.kind], "result-kind"));
      button.title = hit.label;
      button.setAttribute("data-node", hit.id);
      button.addEventListener("click", function () { focusNode(hit.id); });
      item.appendChild(button);
      searchResults.appendChild(item);
    });
  }

  searchInput.addEventListener("input", function () {
    showResults(search(searchInput.value), searchInput.value);
  });
  byId("search-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var hits = search(searchInput.value);
    showResults(hits, searchInput.value);
    if (hits.length) { focusNode(hits[0].id); }
  });

  /* ------------------------------------------------------------------ reset */

  function resetView() {
    deselect();
    Object.keys(checkboxes).forEach(function (kind) { setKindVisible(kind, true); });
    searchInput.value = "";
    showResults([], "");
    network.fit({ animation: false });
  }
  byId("reset-view").addEventListener("click", resetView);

  window.mlopsGraph = {
    network: network,
    nodes: nodes,
    edges: edges,
    data: data,
    state: state,
    focusNode: focusNode,
    idOf: idOf,
    search: search,
    setKindVisible: setKindVisible,
    resetView: resetView
  };
})();
