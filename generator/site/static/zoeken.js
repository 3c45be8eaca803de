/* Home page search: one compact data file, filtered and clustered in the browser.
 * State lives in the URL (shareable; the back button works). No requests to other origins
 * except map tiles. */
(function () {
  "use strict";

  var cfg = JSON.parse(document.getElementById("beweegkaart-config").textContent);
  var base = new URL(JSON.parse(document.getElementById("__config").textContent).base + "/",
                     location.href);
  var DAY_CODES = ["ma", "di", "wo", "do", "vr", "za", "zo"];
  var COSTS = [["", "Alle bedragen"], ["gratis", "Gratis"], ["10", "Tot \u20ac 10"],
               ["25", "Tot \u20ac 25"], ["50", "Tot \u20ac 50"]];
  var PAGE = 20;
  var form = document.getElementById("bk-form");
  var el = function (id) { return document.getElementById(id); };

  var C = window.bkClusters;  // the clustering (clusters.js, shared with the build)
  var D = null;        // decoded search data
  var PC = null;       // postcode table
  var P = null;        // the gazetteer (plaatsen.js, loaded after this script)
  var state = {};      // current search state
  var results = [];    // indices of matching offers, sorted
  var dist = null;     // distance per offer (km) from the chosen location
  var shown = PAGE;
  var shards = {};     // shard number -> Promise of records
  var map, clusterLayer, index, radiusCircle;
  var hasView = false;  // the map has a centre and zoom (set by the first view or search)
  // The first view's clusters, made at build time by this same code (first_view.js): drawn
  // from the page itself before the data is here; null when the page has none to offer.
  var pre = null;
  var preView = false;  // the first view was set from them
  var applied = 0;      // searches shown since the page loaded
  var firstClusters = true;
  var liveClusters = false;

  function fetchJSON(path) {
    return fetch(new URL(path, base)).then(function (r) {
      if (!r.ok) { throw new Error(path + ": " + r.status); }
      return r.json();
    });
  }

  /* ---- data ---- */
  /* The offers' positions and spots: C.decode. */

  /* The filter columns as typed arrays (the untouched first search needs none of them). */
  function columns() {
    if (D.g) { return; }
    var raw = D.raw, n = D.n, aw = [], i;
    // One 32-bit word per 32 activities (the vocabulary has more than 64 activities).
    for (i = 0; i < Math.ceil(raw.activiteiten.length / 32); i++) { aw.push(new Uint32Array(n)); }
    for (i = 0; i < n; i++) {
      var acts = typeof raw.a[i] === "number" ? [raw.a[i]] : raw.a[i];
      for (var j = 0; j < acts.length; j++) {
        aw[acts[j] >> 5][i] |= (1 << (acts[j] & 31)) >>> 0;
      }
    }
    D.aw = aw;
    D.g = Uint32Array.from(raw.g); D.t = Uint32Array.from(raw.t); D.k = Int32Array.from(raw.k);
    D.f = Uint32Array.from(raw.f); D.l = Uint32Array.from(raw.l); D.j = Int32Array.from(raw.j);
  }

  function details(i) {
    var size = D ? D.raw.shard : pre.shard;  // (a marker of the first view: before the data)
    var shard = Math.floor(i / size);
    if (!shards[shard]) { shards[shard] = fetchJSON("data/details/" + shard + ".json"); }
    return shards[shard].then(function (records) { return records[i % size]; });
  }

  /* ---- state <-> URL <-> form ---- */
  var LISTS = ["dag", "deel", "dg"];
  var FLAGS = ["proef", "zv", "sp", "rol", "aangepast", "vrouwen"];
  var SINGLE = ["q", "loc", "r", "act", "kosten", "niveau", "leeftijd", "taal"];
  var FIELDS = ["q", "r", "act", "niveau", "leeftijd", "taal"];  // form fields with a .value

  function readURL() {
    var p = new URLSearchParams(location.search), s = {};
    SINGLE.forEach(function (k) { s[k] = p.get(k) || ""; });
    if (!p.has("r")) { s.r = "10"; }
    LISTS.forEach(function (k) { s[k] = (p.get(k) || "").split(",").filter(Boolean); });
    FLAGS.forEach(function (k) { s[k] = p.get(k) === "1"; });
    return s;
  }

  function toURL(s) {
    var p = new URLSearchParams();
    SINGLE.forEach(function (k) { if (s[k] && !(k === "r" && s[k] === "10")) { p.set(k, s[k]); } });
    if (!s.r) { p.set("r", "10"); }
    LISTS.forEach(function (k) { if (s[k].length) { p.set(k, s[k].join(",")); } });
    FLAGS.forEach(function (k) { if (s[k]) { p.set(k, "1"); } });
    var q = p.toString();
    return location.pathname + (q ? "?" + q : "");
  }

  function readForm() {
    var s = { loc: state.loc || "" };
    FIELDS.forEach(function (k) { s[k] = form.elements[k].value.trim(); });
    if (s.q !== (state.q || "")) { s.loc = ""; }
    var cost = form.querySelector("input[name=kosten]:checked");
    s.kosten = cost ? cost.value : "";
    LISTS.forEach(function (k) {
      s[k] = Array.prototype.map.call(form.querySelectorAll("input[name=" + k + "]:checked"),
                                      function (c) { return c.value; });
    });
    FLAGS.forEach(function (k) { s[k] = form.elements[k].checked; });
    return s;
  }

  function writeForm(s) {
    FIELDS.forEach(function (k) { form.elements[k].value = s[k] || (k === "r" ? "0" : ""); });
    form.querySelectorAll("input[name=kosten]").forEach(function (c) { c.checked = c.value === s.kosten; });
    LISTS.forEach(function (k) {
      form.querySelectorAll("input[name=" + k + "]").forEach(function (c) {
        c.checked = s[k].indexOf(c.value) >= 0;
      });
    });
    FLAGS.forEach(function (k) { form.elements[k].checked = s[k]; });
    var more = ["kosten", "niveau", "leeftijd", "taal"].some(function (k) { return s[k]; }) ||
      FLAGS.some(function (k) { return s[k]; });
    if (more) { el("bk-meer-filters").open = true; }
    var n = activeFilters(s);
    el("bk-filters-actief").textContent = n ? "(" + n + " actief)" : "";
  }

  /* How many filters are on (the place and the distance are not filters). */
  function activeFilters(s) {
    return s.dg.length + s.dag.length + s.deel.length +
      ["act", "kosten", "niveau", "leeftijd", "taal"].filter(function (k) { return s[k]; }).length +
      FLAGS.filter(function (k) { return s[k]; }).length;
  }

  /* ---- build the filter controls once ---- */
  function option(select, value, label) {
    var o = document.createElement("option");
    o.value = value; o.textContent = label; o.dataset.label = label;
    select.appendChild(o);
  }

  function checkbox(fieldset, type, name, value, label, id, extraClass) {
    var wrap = document.createElement("div");
    wrap.className = "bk-keuze" + (extraClass ? " " + extraClass : "");
    var input = document.createElement("input");
    input.type = type; input.name = name; input.value = value; input.id = id;
    var lab = document.createElement("label");
    lab.htmlFor = id;
    lab.innerHTML = "<span></span> <span class=\"bk-n\"></span>";
    lab.firstChild.textContent = label;
    wrap.appendChild(input); wrap.appendChild(lab);
    fieldset.appendChild(wrap);
    return wrap;
  }

  /* Target groups as a small tree: a broad term, then its narrower terms (vocab taxonomy). */
  function targetGroups() {
    var raw = D.raw, seen = {}, order = [];
    raw.doelgroep_boom.forEach(function (branch) {
      order.push([branch[0], 0]); seen[branch[0]] = true;
      branch[1].forEach(function (k) { order.push([k, 1]); seen[k] = true; });
    });
    raw.doelgroepen.forEach(function (g, k) { if (!seen[k]) { order.push([k, 0]); } });
    // a broad term matches itself and its narrower terms
    D.dgMask = raw.doelgroepen.map(function (g, k) { return (1 << k) >>> 0; });
    raw.doelgroep_boom.forEach(function (branch) {
      branch[1].forEach(function (k) { D.dgMask[branch[0]] = (D.dgMask[branch[0]] | (1 << k)) >>> 0; });
    });
    order.forEach(function (pair) {
      var k = pair[0];
      checkbox(el("bk-dg"), "checkbox", "dg", raw.doelgroepen[k], raw.doelgroepen[k], "bk-dg-" + k,
               pair[1] ? "bk-smal" : "");
    });
  }

  function buildControls() {
    var raw = D.raw;
    targetGroups();
    raw.activiteiten.forEach(function (a) { option(el("bk-act"), a[0], a[1]); });
    raw.niveaus.forEach(function (v) { option(el("bk-niveau"), v, v); });
    raw.talen.forEach(function (v) { option(el("bk-taal"), v, v); });
    raw.dagen.forEach(function (d, i) { checkbox(el("bk-dag"), "checkbox", "dag", DAY_CODES[i], d, "bk-dag-" + i); });
    raw.dagdelen.forEach(function (d, i) { checkbox(el("bk-deel"), "checkbox", "deel", d, d, "bk-deel-" + i); });
    COSTS.forEach(function (c, i) { checkbox(el("bk-kosten"), "radio", "kosten", c[0], c[1], "bk-kosten-" + i); });
    checkbox(el("bk-vergoeding"), "checkbox", "proef", "1", "Gratis proefles", "bk-proef");
    checkbox(el("bk-vergoeding"), "checkbox", "zv", "1", "Vergoed door de zorgverzekeraar", "bk-zv");
    checkbox(el("bk-vergoeding"), "checkbox", "sp", "1", "Korting of vergoeding met stadspas", "bk-sp");
    checkbox(el("bk-toegang"), "checkbox", "rol", "1", "Toegankelijk met rolstoel", "bk-rol");
    checkbox(el("bk-toegang"), "checkbox", "aangepast", "1", "Aangepast sporten", "bk-aangepast");
    checkbox(el("bk-voorwie"), "checkbox", "vrouwen", "1", "Alleen voor vrouwen", "bk-vrouwen");
  }

  /* ---- location ---- */
  // {lat, lon, label} for the place in the state, null without one, or {error} when unknown.
  function resolveLocation(s) {
    if (s.loc) {
      var parts = s.loc.split(",").map(Number);
      if (parts.length === 2 && !isNaN(parts[0]) && !isNaN(parts[1])) {
        return { lat: parts[0], lon: parts[1], label: "jouw locatie" };
      }
    }
    var q = (s.q || "").trim();
    if (!q) { return null; }
    var pc = q.replace(/\s+/g, "").match(/^(\d+)([a-zA-Z]*)$/);
    if (pc) {
      if (pc[1].length !== 4 || pc[2].length > 2 || pc[2].length === 1) {
        return { error: "\u201c" + q + "\u201d is geen postcode. Een postcode heeft 4 cijfers en 2 letters, bijvoorbeeld 3072 AB." };
      }
      var row = PC.byCode[Number(pc[1])];
      if (!row) {
        return { error: "Postcode " + pc[1] + " bestaat niet. Kijk of de cijfers kloppen, of typ je woonplaats." };
      }
      // a PC6 (3072 AB) counts as its PC4: the table has no finer centroids
      return { lat: row[1] / PC.scale, lon: row[2] / PC.scale, label: "postcode " + pc[1] };
    }
    var found = P.match(q, 1)[0];
    if (!found) {
      return { error: "We kennen \u201c" + q + "\u201d niet. Typ een postcode (4 cijfers) of de naam van een plaats, wijk of buurt." };
    }
    var place = P.place(found.i);
    return { lat: place.lat, lon: place.lon, label: place.label,
             typo: found.typo ? place.name : "" };
  }

  function showLocationProblem(where) {
    var field = el("bk-q");
    el("bk-q-fout").textContent = where && where.error ? where.error : "";
    el("bk-q-hulp").textContent = where && where.typo ?
      "Bedoel je " + where.label + "? We zoeken daar." : "Bijvoorbeeld 3072 AB, Delfshaven of Den Haag";
    if (where && where.error) { field.setAttribute("aria-invalid", "true"); }
    else { field.removeAttribute("aria-invalid"); }
  }

  /* ---- filtering with counts per option ---- */
  function timeMask(days, parts) {
    var m = 0;
    for (var d = 0; d < 7; d++) {
      if (days.length && days.indexOf(DAY_CODES[d]) < 0) { continue; }
      for (var p = 0; p < 3; p++) {
        if (parts.length && parts.indexOf(D.raw.dagdelen[p]) < 0) { continue; }
        m |= 1 << (d * 3 + p);
      }
    }
    return m >>> 0;
  }

  function compile(s) {
    var raw = D.raw, F = raw.flags;
    var actIdx = raw.activiteiten.findIndex(function (a) { return a[0] === s.act; });
    var facets = [];
    if (actIdx >= 0) {
      var word = D.aw[actIdx >> 5], bit = (1 << (actIdx & 31)) >>> 0;
      facets.push(["act", function (i) { return (word[i] & bit) !== 0; }]);
    } else { facets.push(["act", null]); }
    var dgMask = 0;
    s.dg.forEach(function (g) { var k = raw.doelgroepen.indexOf(g); if (k >= 0) { dgMask |= D.dgMask[k]; } });
    facets.push(["dg", dgMask ? function (i) { return (D.g[i] & dgMask) !== 0; } : null]);
    var tm = timeMask(s.dag, s.deel);
    facets.push(["tijd", (s.dag.length || s.deel.length) ? function (i) { return (D.t[i] & tm) !== 0; } : null]);
    var max = s.kosten === "gratis" ? 0 : s.kosten ? Number(s.kosten) : -1;
    // An unknown price (k < 0) never matches a budget: unknown is not "free".
    facets.push(["kosten", max >= 0 ? function (i) { return D.k[i] >= 0 && D.k[i] <= max; } : null]);
    [["proef", F.proefles], ["zv", F.zorgverzekeraar], ["sp", F.stadspas], ["rol", F.rolstoel],
     ["aangepast", F.aangepast], ["vrouwen", F.vrouwen]].forEach(function (pair) {
      var b = pair[1];
      facets.push([pair[0], s[pair[0]] ? function (i) { return (D.f[i] & b) !== 0; } : null]);
    });
    var lvl = raw.niveaus.indexOf(s.niveau) + 1;
    facets.push(["niveau", lvl > 0 ? function (i) { return ((D.f[i] >> raw.niveau_shift) & 3) === lvl; } : null]);
    var taal = raw.talen.indexOf(s.taal);
    facets.push(["taal", taal >= 0 ? function (i) { return (D.l[i] & (1 << taal)) !== 0; } : null]);
    return facets;
  }

  function emptyCounts(s) {
    var raw = D.raw;
    return {
      // per day: the slots on that day within the chosen parts of day (and the other way round)
      dayMasks: DAY_CODES.map(function (d) { return timeMask([d], s.deel); }),
      partMasks: raw.dagdelen.map(function (p) { return timeMask(s.dag, [p]); }),
      act: new Int32Array(raw.activiteiten.length), dg: new Int32Array(raw.doelgroepen.length),
      dag: new Int32Array(7), deel: new Int32Array(3), kosten: new Int32Array(COSTS.length),
      proef: [0], zv: [0], sp: [0], rol: [0], aangepast: [0], vrouwen: [0],
      niveau: new Int32Array(raw.niveaus.length), taal: new Int32Array(raw.talen.length)
    };
  }

  function countBits(arr, word, offset) {
    while (word) {
      var low = word & -word, b = 31 - Math.clz32(low);
      arr[b + offset]++;
      word = (word ^ low) >>> 0;
    }
  }

  function countFacet(name, i, c, s) {
    var raw = D.raw, F = raw.flags;
    switch (name) {
      case "act":
        for (var w = 0; w < D.aw.length; w++) { if (D.aw[w][i]) { countBits(c.act, D.aw[w][i], 32 * w); } }
        break;
      case "dg":
        var g = D.g[i];
        for (var k = 0; k < c.dg.length; k++) { if (g & D.dgMask[k]) { c.dg[k]++; } }
        break;
      case "tijd":
        var t = D.t[i];
        for (var d = 0; d < 7; d++) { if (t & c.dayMasks[d]) { c.dag[d]++; } }
        for (var p = 0; p < 3; p++) { if (t & c.partMasks[p]) { c.deel[p]++; } }
        break;
      case "kosten":
        var k = D.k[i];
        c.kosten[0]++;
        if (k < 0) { break; }
        if (k === 0) { c.kosten[1]++; }
        if (k <= 10) { c.kosten[2]++; }
        if (k <= 25) { c.kosten[3]++; }
        if (k <= 50) { c.kosten[4]++; }
        break;
      case "proef": if (D.f[i] & F.proefles) { c.proef[0]++; } break;
      case "zv": if (D.f[i] & F.zorgverzekeraar) { c.zv[0]++; } break;
      case "sp": if (D.f[i] & F.stadspas) { c.sp[0]++; } break;
      case "rol": if (D.f[i] & F.rolstoel) { c.rol[0]++; } break;
      case "aangepast": if (D.f[i] & F.aangepast) { c.aangepast[0]++; } break;
      case "vrouwen": if (D.f[i] & F.vrouwen) { c.vrouwen[0]++; } break;
      case "niveau":
        var lvl = (D.f[i] >> raw.niveau_shift) & 3;
        if (lvl) { c.niveau[lvl - 1]++; }
        break;
      case "taal": countBits(c.taal, D.l[i], 0); break;
    }
  }

  /* The offers that match `s` (sorted by distance from `where`); with `counting`, also the
   * counts next to each choice (what that choice would find with the other filters kept). */
  function filter(s, where, counting) {
    if (!where && !counting && activeFilters(s) === 0) {
      dist = null;
      return { results: D.all, counts: null };  // nothing to check: every offer, in data order
    }
    columns();
    var facets = compile(s), active = facets.filter(function (f) { return f[1]; });
    var age = s.leeftijd !== "" && !isNaN(Number(s.leeftijd)) ? Number(s.leeftijd) : -1;
    var counts = counting ? emptyCounts(s) : null, out = [], n = D.n;
    var radius = where && Number(s.r) > 0 ? Number(s.r) : 0;
    dist = where ? new Float32Array(n) : null;
    var kx = where ? Math.cos(where.lat * Math.PI / 180) * 111.32 : 0;
    for (var i = 0; i < n; i++) {
      if (where) {
        var dx = (D.lon[i] - where.lon) * kx, dy = (D.lat[i] - where.lat) * 110.57;
        var km = Math.sqrt(dx * dx + dy * dy);
        dist[i] = km;
        if (radius && km > radius) { continue; }
      }
      if (age >= 0) {
        var j = D.j[i];
        if (age < (j >> 7) || age > (j & 127)) { continue; }
      }
      var failed = null, fails = 0;
      for (var f = 0; f < active.length && fails < 2; f++) {
        if (!active[f][1](i)) { fails++; failed = active[f][0]; }
      }
      if (fails === 0) {
        out.push(i);
        if (!counts) { continue; }
        for (var g = 0; g < facets.length; g++) { countFacet(facets[g][0], i, counts, s); }
      } else if (fails === 1 && counts) {
        countFacet(failed, i, counts, s);
      }
    }
    if (where && !counts) { out.sort(function (a, b) { return dist[a] - dist[b]; }); }
    return { results: out, counts: counts };
  }

  function showCounts(c) {
    function setSelect(id, arr, values) {
      var sel = el(id);
      Array.prototype.forEach.call(sel.options, function (o) {
        if (!o.value) { return; }
        var n = arr[values.indexOf(o.value)];
        o.textContent = o.dataset.label + " (" + n + ")";
      });
    }
    var raw = D.raw;
    function setBox(id, n) { el(id).nextSibling.lastChild.textContent = "(" + n + ")"; }
    for (var g = 0; g < c.dg.length; g++) { setBox("bk-dg-" + g, c.dg[g]); }
    setSelect("bk-act", c.act, raw.activiteiten.map(function (a) { return a[0]; }));
    setSelect("bk-niveau", c.niveau, raw.niveaus);
    setSelect("bk-taal", c.taal, raw.talen);
    for (var d = 0; d < 7; d++) { setBox("bk-dag-" + d, c.dag[d]); }
    for (var p = 0; p < 3; p++) { setBox("bk-deel-" + p, c.deel[p]); }
    for (var k = 0; k < COSTS.length; k++) { setBox("bk-kosten-" + k, c.kosten[k]); }
    ["proef", "zv", "sp", "rol", "aangepast", "vrouwen"].forEach(function (name) {
      setBox("bk-" + name, c[name][0]);
    });
  }

  /* ---- map ---- */
  function initMap() {
    // The wheel scrolls the page; it zooms only after a click on the map, or with Ctrl.
    map = L.map("bk-kaart", { zoomSnap: 1, minZoom: 6, maxZoom: cfg.maxZoom, zoomControl: false,
                              scrollWheelZoom: false });
    // No view yet: the first search sets it (fitResults), so the tiles load once, for that view.
    L.control.zoom({ zoomInTitle: "Inzoomen", zoomOutTitle: "Uitzoomen" }).addTo(map);
    map.attributionControl.setPrefix("Leaflet");
    var box = map.getContainer();
    box.setAttribute("aria-label", "Kaart met de gevonden activiteiten");
    map.on("click focus", function () { map.scrollWheelZoom.enable(); });
    box.addEventListener("mouseleave", function () { map.scrollWheelZoom.disable(); });
    box.addEventListener("wheel", function (e) {
      if (!e.ctrlKey || map.scrollWheelZoom.enabled()) { return; }
      e.preventDefault();
      map.setZoomAround(map.mouseEventToContainerPoint(e), map.getZoom() + (e.deltaY < 0 ? 1 : -1));
    }, { passive: false });
    L.tileLayer(cfg.tiles, { attribution: cfg.attribution, maxZoom: cfg.maxZoom }).addTo(map);
    L.Icon.Default.imagePath = new URL("assets/vendor/leaflet/images/", base).href;
    clusterLayer = L.layerGroup().addTo(map);
    // The first view: Leaflet adds the layers on "load", which follows the first "moveend".
    map.on("load", function () { hasView = true; drawClusters(); });
    map.on("moveend", drawClusters);
    map.on("popupopen", function (e) {  // Leaflet names its close button in English
      var close = e.popup.getElement().querySelector(".leaflet-popup-close-button");
      if (close) { close.setAttribute("aria-label", "Sluiten"); }
    });
  }

  /* The clustering of the offers `ids` (C.build); the one of all offers (the first view) is
   * kept. */
  function clusterIndex(ids) {
    if (ids === D.all && D.allIndex) { index = D.allIndex; return; }
    index = C.build(Supercluster, D, ids, cfg.maxZoom);
    if (ids === D.all) { D.allIndex = index; }
  }

  /* The markers of the current view: from the index, or before it is built (the data still
   * on its way) from the first view's clusters in the page, at the zooms it has them for. */
  function drawClusters() {
    if (!hasView) { return; }
    var zoom = map.getZoom(), items, of;
    if (index) {
      var b = map.getBounds();
      items = C.items(index, [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()], zoom, cfg.maxZoom);
      of = index;
    } else if (pre && pre.zooms[zoom]) {
      items = pre.zooms[zoom];
      of = pre;
    } else {
      items = [];  // zoomed in before the data is here: the live markers follow with it
      of = null;
    }
    // A marker whose popup is open stays, even just out of view (a tall list pans it out).
    var keep = null;
    clusterLayer.eachLayer(function (m) {
      if (m.isPopupOpen() && m.bkOf === of && m.bkZoom === zoom) { keep = m; }
    });
    clusterLayer.eachLayer(function (m) { if (m !== keep) { clusterLayer.removeLayer(m); } });
    items.forEach(function (c) {
      if (!(keep && keep.bkKey === c.key)) { addMarker(c, of, zoom); }
    });
    if (firstClusters && of) {
      firstClusters = false;
      performance.mark("bk-first-clusters");
    }
    if (of && of === index && !liveClusters) {
      liveClusters = true;
      performance.mark("bk-live-clusters");
    }
    document.documentElement.dataset.bkMarkers = String(items.length);
    document.documentElement.dataset.bkClusters = !of ? "" : of === index ? "live" : "page";
    map.getContainer().dataset.zoom = String(zoom);
  }

  /* One marker (an item of C.items): a group of offers, or one offer's pin. */
  function addMarker(c, of, zoom) {
    var ll = [c.lat, c.lon], n = c.n;
    if (n > 1) {
      var size = n < 10 ? 34 : n < 100 ? 40 : n < 1000 ? 48 : 56;
      var name = n + " activiteiten";
      var m = L.marker(ll, {
        icon: L.divIcon({ html: "<span aria-hidden=\"true\">" + n + "</span>", className: "bk-cluster", iconSize: [size, size] }),
        title: name + ": klik om in te zoomen", keyboard: true
      });
      var open;
      if (c.ids) {  // all at one spot: zooming cannot split them
        name = n + " activiteiten op deze plek";
        m.options.title = name + ": klik voor de lijst";
        m.bindPopup("Laden...");
        m.bkIds = c.ids;
        m.on("popupopen", function () { openSpot(m); });
        open = function () { if (!m.isPopupOpen()) { m.openPopup(); } };  // Leaflet itself opens it on Enter
      } else {
        open = function () {
          map.setView(ll, Math.min(c.zoom, cfg.maxZoom));
          map.getContainer().focus({ preventScroll: true });  // the cluster itself is gone now
        };
        m.on("click", open);
      }
      m.on("keypress", function (e) {  // keyboard: Enter or Space on a focused cluster
        if (e.originalEvent.key === "Enter" || e.originalEvent.key === " ") { e.originalEvent.preventDefault(); open(); }
      });
      m.bkKey = c.key; m.bkOf = of; m.bkZoom = zoom;
      clusterLayer.addLayer(m);
      var icon = m.getElement();
      icon.setAttribute("role", "button");
      icon.setAttribute("aria-label", m.options.title);
    } else {
      var i = c.i;
      var marker = L.marker(ll, { alt: "Activiteit (naam wordt geladen)", keyboard: true });
      marker.bindPopup("Laden...");
      marker.on("popupopen", function () { popup(marker, i); });
      marker.bkIndex = i; marker.bkKey = c.key; marker.bkOf = of; marker.bkZoom = zoom;
      clusterLayer.addLayer(marker);
      nameMarker(marker, i);
    }
  }

  /* A pin is named for what it holds: "Walking football voor 60-plussers, Sportpark Charlois". */
  function nameMarker(marker, i) {
    details(i).then(function (r) {
      var icon = marker.getElement();
      if (!icon) { return; }
      var name = r.titel + ", " + r.plek;
      icon.setAttribute("alt", name);
      icon.setAttribute("title", name);
    });
  }

  function markerFor(i) {
    var found = null;
    clusterLayer.eachLayer(function (m) {  // its own pin, or the marker of the spot it shares
      if (m.bkIndex === i || (m.bkIds && m.bkIds.indexOf(i) >= 0)) { found = m; }
    });
    return found;
  }

  /* Offers at one spot: one marker, its popup lists them all (links to their pages). */
  function openSpot(marker) {
    Promise.all(marker.bkIds.map(details)).then(function (rs) {
      var box = document.createElement("div"), head = document.createElement("p");
      head.textContent = rs.length + " activiteiten op deze plek:";
      var list = document.createElement("ul");
      list.className = "bk-plek-lijst";
      box.appendChild(head); box.appendChild(list);
      rs.forEach(function (r) {
        var li = document.createElement("li"), a = document.createElement("a");
        a.href = new URL("aanbod/" + r.id + "/", base).href;
        a.textContent = r.titel;
        li.appendChild(a);
        li.appendChild(document.createTextNode(" \u00b7 " + r.wanneer));
        list.appendChild(li);
      });
      marker.setPopupContent(box);
      // From the keyboard the list takes the focus (Tab would first pass every other marker);
      // Escape closes it again (Leaflet listens only while the map itself has focus).
      var pin = marker.getElement();
      if (pin && document.activeElement === pin) { list.querySelector("a").focus({ preventScroll: true }); }
      marker.getPopup().getElement().onkeydown = function (e) {
        if (e.key === "Escape") { marker.closePopup(); marker.getElement().focus({ preventScroll: true }); }
      };
    });
  }

  function popup(marker, i) {
    details(i).then(function (r) {
      var box = document.createElement("div");
      var a = document.createElement("a");
      a.href = new URL("aanbod/" + r.id + "/", base).href;
      a.textContent = r.titel;
      var p = document.createElement("p");
      p.textContent = r.activiteiten.join(", ") + " \u00b7 " + r.plaats + " \u00b7 " + r.wanneer;
      box.appendChild(a); box.appendChild(p);
      marker.setPopupContent(box);
    });
  }

  var FIT = { animate: false, maxZoom: C.FIT.maxZoom, padding: [C.FIT.padding, C.FIT.padding] };

  /* Show the search area, or all results; true when the view was set (Leaflet then fires
   * "moveend", which draws the clusters). */
  function fitResults(where) {
    if (radiusCircle && !(where && Number(state.r) > 0)) { map.removeLayer(radiusCircle); radiusCircle = null; }
    if (where && Number(state.r) > 0) {
      var km = Number(state.r), dLat = km / 110.57, dLon = km / (111.32 * Math.cos(where.lat * Math.PI / 180));
      if (radiusCircle) { map.removeLayer(radiusCircle); }
      radiusCircle = L.circle([where.lat, where.lon], { radius: km * 1000, interactive: false, fill: false,
                                                        color: "#1b5e20", weight: 2, dashArray: "6 6" }).addTo(map);
      map.fitBounds([[where.lat - dLat, where.lon - dLon], [where.lat + dLat, where.lon + dLon]], { animate: false });
    } else if (results.length) {
      map.fitBounds(C.bounds(D, results), FIT);
    } else if (!hasView) {
      map.setView([52.15, 5.3], 7);  // nothing found on the first search: the Netherlands
    } else {
      return false;
    }
    return true;
  }

  /* ---- list ---- */
  function fmtKm(km) {
    return km < 10 ? km.toFixed(1).replace(".", ",") + " km" : Math.round(km) + " km";
  }

  function renderList() {
    var list = el("bk-lijst");
    var ids = results.slice(0, shown);
    var token = {};
    renderList.token = token;
    list.setAttribute("aria-busy", "true");
    return Promise.all(ids.map(details)).then(function (records) {
      if (renderList.token !== token) { return; }
      list.textContent = "";
      records.forEach(function (r, k) {
        var i = ids[k];
        var li = document.createElement("li");
        li.className = "bk-item";
        li.dataset.id = r.id;
        var h = document.createElement("h3");
        var a = document.createElement("a");
        a.href = new URL("aanbod/" + r.id + "/", base).href;
        a.textContent = r.titel;
        h.appendChild(a); li.appendChild(h);
        var facts = [
          ["Wat", r.activiteiten.join(", ")],
          ["Waar", r.plek + ", " + r.plaats + (dist ? " (" + fmtKm(dist[i]) + ")" : "")],
          ["Wanneer", r.wanneer],
          ["Kosten", r.kosten + (r.proefles ? ", gratis proefles" : "")]
        ];
        var dl = document.createElement("dl");
        facts.forEach(function (f) {
          var dt = document.createElement("dt"), dd = document.createElement("dd");
          dt.textContent = f[0]; dd.textContent = f[1];
          dl.appendChild(dt); dl.appendChild(dd);
        });
        li.appendChild(dl);
        var row = document.createElement("div");
        row.className = "bk-item-knoppen";
        var show = document.createElement("button");
        show.type = "button"; show.className = "md-button bk-op-kaart";
        show.textContent = "Toon op de kaart";
        show.setAttribute("aria-label", "Toon op de kaart: " + r.titel);
        show.addEventListener("click", function () {
          var z = 16, m;
          map.setView([D.lat[i], D.lon[i]], z, { animate: false });
          while (!(m = markerFor(i)) && z < cfg.maxZoom) {  // still in a cluster: closer
            map.setView([D.lat[i], D.lon[i]], ++z, { animate: false });
          }
          el("bk-kaart").scrollIntoView({ block: "nearest" });
          // focus the pin itself (or the marker of the spot it shares), with its popup open
          if (m) { m.openPopup(); m.getElement().focus({ preventScroll: true }); }
        });
        var pick = document.createElement("button");
        pick.type = "button"; pick.className = "md-button";
        pick.dataset.adviesKies = r.id;
        pick.dataset.adviesTitel = r.titel;
        pick.textContent = "Zet op beweegadvies";
        row.appendChild(show); row.appendChild(pick);
        li.appendChild(row);
        list.appendChild(li);
      });
      list.removeAttribute("aria-busy");
      el("bk-meer").hidden = results.length <= shown;
      if (window.bkAdvies) { window.bkAdvies.refresh(); }
    });
  }

  function emptyTips(s) {
    var tips = el("bk-leeg-tips");
    tips.textContent = "";
    function tip(label, change) {
      var li = document.createElement("li"), b = document.createElement("button");
      b.type = "button"; b.className = "md-button"; b.textContent = label;
      b.addEventListener("click", function () {
        var next = JSON.parse(JSON.stringify(state)); change(next); go(next, "push", "always");
      });
      li.appendChild(b); tips.appendChild(li);
    }
    if (Number(s.r) > 0 && Number(s.r) < 25) { tip("Zoek verder weg: binnen 25 km", function (n) { n.r = "25"; }); }
    if (Number(s.r) === 25) { tip("Zoek op alle afstanden", function (n) { n.r = "0"; }); }
    if (s.dg.length) { tip("Zonder doelgroep of klacht", function (n) { n.dg = []; }); }
    if (s.act) { tip("Alle activiteiten", function (n) { n.act = ""; }); }
    if (s.dag.length) { tip("Alle dagen", function (n) { n.dag = []; }); }
    if (s.deel.length) { tip("Alle dagdelen", function (n) { n.deel = []; }); }
    if (s.kosten) { tip("Alle bedragen", function (n) { n.kosten = ""; }); }
    FLAGS.forEach(function (k) { if (s[k]) { tip("Zonder filter \u201c" + el("bk-" + k).nextSibling.firstChild.textContent + "\u201d", function (n) { n[k] = false; }); } });
    if (s.niveau) { tip("Alle niveaus", function (n) { n.niveau = ""; }); }
    if (s.leeftijd) { tip("Zonder leeftijd", function (n) { n.leeftijd = ""; }); }
    if (s.taal) { tip("Alle talen", function (n) { n.taal = ""; }); }
    tip("Wis alle filters", function (n) { clearFilters(n); });
  }

  function clearFilters(n) {
    ["act", "kosten", "niveau", "leeftijd", "taal"].forEach(function (k) { n[k] = ""; });
    n.dag = []; n.deel = []; n.dg = [];
    FLAGS.forEach(function (k) { n[k] = false; });
  }

  /* ---- apply ---- */
  function apply() {
    var t0 = performance.now(), firstApply = applied++ === 0;
    var where = resolveLocation(state);
    showLocationProblem(where);
    if (where && where.error) {
      // Unknown place: say so, and show no count or results of an earlier search.
      results = [];
      el("bk-aantal").textContent = where.error;
      el("bk-leeg").hidden = true;
      clusterIndex(results);
      if (!hasView) { map.setView([52.15, 5.3], 7); } else { drawClusters(); }
      return finish(renderList());
    }
    var r = filter(state, where, false);
    performance.mark("bk-filtered");
    results = r.results;
    shown = Math.max(PAGE, restoring.shown || 0);
    var n = results.length;
    var place = where ? (Number(state.r) > 0 ? " binnen " + state.r + " km van " : " vanaf ") + where.label : "";
    el("bk-aantal").textContent = n ? (n === 1 ? "1 activiteit" : n + " activiteiten") + " gevonden" + place + "." :
      "Geen activiteiten gevonden" + place + ".";
    el("bk-leeg").hidden = n > 0;
    if (!n) { emptyTips(state); }
    clusterIndex(results);
    performance.mark("bk-indexed");
    if (firstApply && preView) {
      drawClusters();  // the first view is set already (firstView), maybe moved by the user since
    } else if (!fitResults(where)) { drawClusters(); }
    // The counts next to the choices: a second pass, in a task of its own after the map is drawn
    // (short tasks keep the page responsive on a slow phone); on the first search only after
    // the map is painted, so the first clusters show as soon as they can.
    var token = apply.token = {}, shownState = state;
    var counted = (firstApply ? afterPaint() : later()).then(function () {
      if (apply.token === token) { showCounts(filter(shownState, where, true).counts); }
    });
    window.bkLastApplyMs = performance.now() - t0;
    document.documentElement.dataset.bkResults = String(n);
    document.documentElement.dataset.bkCentre = where ? where.lat.toFixed(5) + "," + where.lon.toFixed(5) : "";
    return finish(Promise.all([counted, renderList()]));
  }

  /* A promise that resolves in a later task. */
  function later() {
    return new Promise(function (resolve) { setTimeout(resolve, 0); });
  }

  /* A promise that resolves in a task after the next paint. */
  function afterPaint() {
    return new Promise(function (resolve) {
      requestAnimationFrame(function () { setTimeout(resolve, 0); });
    });
  }

  function finish(rendered) {
    return rendered.then(function () {
      if (restoring.scroll !== undefined) { window.scrollTo(0, restoring.scroll); }
      restoring = {};
      if (reveal) { revealResults(reveal); reveal = null; }
      document.documentElement.dataset.bkReady = String((Number(document.documentElement.dataset.bkReady) || 0) + 1);
    });
  }

  /* After a committed search: bring the count and first results into view and focus the count
   * (phones: the results are far below the form). "always" also moves focus when in view. */
  function revealResults(how) {
    var count = el("bk-aantal"), box = count.getBoundingClientRect();
    var inView = box.top >= 0 && box.bottom <= window.innerHeight;
    if (!inView) { count.scrollIntoView({ block: "start" }); }
    if (!inView || how === "always") { count.focus({ preventScroll: true }); }
  }

  var reveal = null;     // "submit" or "always": move to the results when this search is shown
  var restoring = {};    // scroll position and list length to restore (Back/Forward)
  var burst = null;      // the select being changed with arrow keys (one history entry per burst)
  var keyed = null;      // the select that last got an arrow key

  // mode: "push" adds a history entry, "replace" updates the current one, otherwise none.
  function go(next, mode, how) {
    state = next;
    writeForm(state);
    var url = toURL(state);
    if (mode === "push" && url !== location.pathname + location.search) {
      saveScroll();
      history.pushState(null, "", url);
    } else if (mode) { history.replaceState(null, "", url); }
    reveal = how || null;
    return applyWhenReady();
  }

  function onChange(event) {
    var target = event && event.target;
    if (target && target.id === "bk-q") { return; }  // the place counts on Enter or a choice
    var mode = "push";
    if (target && target.tagName === "SELECT" && keyed === target) {
      // arrow keys in a dropdown: results follow, but only the first step adds history
      mode = burst === target ? "replace" : "push";
      burst = target;
    } else { burst = null; }
    go(readForm(), mode);
  }

  function saveScroll() {
    history.replaceState({ scroll: window.scrollY, shown: shown }, "", location.href);
  }

  function loadPostcodes() {
    if (!loadPostcodes.promise) {
      loadPostcodes.promise = fetchJSON("data/pc4.json").then(function (pc) {
        PC = pc;
        PC.byCode = {};
        PC.pc4.forEach(function (row) { PC.byCode[row[0]] = row; });
        return PC;
      });
    }
    return loadPostcodes.promise;
  }

  function loadPlaces() { return P.load(new URL("data/plaatsen.json", base).href); }

  // Apply a state; wait for the postcode table or the gazetteer when the state names a place.
  function applyWhenReady() {
    var q = (state.q || "").trim(), waits = [];
    if (q && !state.loc) {
      if (/^\d/.test(q)) { if (!PC) { waits.push(loadPostcodes()); } } else if (!P.ready()) { waits.push(loadPlaces()); }
    }
    return waits.length ? Promise.all(waits).then(apply) : apply();
  }

  function submit() {
    var next = readForm();
    next.loc = next.q ? "" : state.loc || "";
    burst = null;
    go(next, "push", "submit");
  }

  function start() {
    performance.mark("bk-start");
    P = window.bkPlaatsen;
    if ("scrollRestoration" in history) { history.scrollRestoration = "manual"; }
    var postcodes = loadPostcodes();
    // (requested when this script ran, after the first view was drawn: see the end)
    searchData.then(function (r) {
      if (!r.ok) { throw new Error("zoek.json: " + r.status); }
      return r.json();
    }).then(function (raw) {
      performance.mark("bk-data");
      D = C.decode(raw);
      performance.mark("bk-decoded");
      buildControls();
      return later().then(function () { return ready(); });
    }).catch(function (err) {
      el("bk-aantal").textContent = "Het aanbod kon niet worden geladen. Probeer het later opnieuw.";
      throw err;
    });
    return postcodes;
  }

  /* The map, the form's behaviour and the first search, once the data is decoded. */
  function ready() {
    if (!map) { initMap(); }
    state = readURL();
    writeForm(state);
    restoring = history.state || {};
    history.replaceState(history.state, "", toURL(state));
    el("bk-filters").open = window.matchMedia("(min-width: 60em)").matches || activeFilters(state) > 0;
    form.addEventListener("change", onChange);
    form.addEventListener("submit", function (e) { e.preventDefault(); submit(); });
    form.addEventListener("keydown", function (e) {
      if (e.target.tagName === "SELECT") { keyed = /^(Arrow|Page|Home|End)/.test(e.key) ? e.target : null; }
    });
    form.addEventListener("pointerdown", function () { keyed = null; burst = null; });
    form.addEventListener("focusout", function (e) { if (e.target === burst) { burst = null; } });
    var combo = P.combobox(el("bk-q"), el("bk-q-lijst"), el("bk-q-status"), function () { submit(); });
    el("bk-q").addEventListener("focus", function () {
      // suggestions for what was typed while the gazetteer loaded
      loadPlaces().then(function () { if (document.activeElement === el("bk-q")) { combo.open(); } });
    }, { once: true });
    el("bk-meer").addEventListener("click", function () {
      var first = shown;
      shown += PAGE;
      renderList().then(function () {
        var next = el("bk-lijst").children[first];
        if (next) { next.querySelector("a").focus(); }
      });
    });
    el("bk-wis").addEventListener("click", function () {
      var next = JSON.parse(JSON.stringify(state)); clearFilters(next); go(next, "push");
    });
    el("bk-toon").addEventListener("click", function () {
      if (!window.matchMedia("(min-width: 60em)").matches) { el("bk-filters").open = false; }
      revealResults("always");
    });
    el("bk-locatie").addEventListener("click", locate);
    var saving = null;
    window.addEventListener("scroll", function () {
      if (!saving) { saving = setTimeout(function () { saving = null; saveScroll(); }, 250); }
    }, { passive: true });
    window.addEventListener("pagehide", saveScroll);
    window.addEventListener("popstate", function (e) {
      state = readURL(); writeForm(state); restoring = e.state || {}; applyWhenReady();
    });
    return applyWhenReady();
  }

  function locate() {
    if (!navigator.geolocation) {
      el("bk-q-fout").textContent = "Je browser kan je locatie niet delen. Typ je postcode.";
      return;
    }
    el("bk-aantal").textContent = "Je locatie wordt opgezocht...";
    navigator.geolocation.getCurrentPosition(function (pos) {
      var next = readForm();
      next.q = "";
      next.loc = pos.coords.latitude.toFixed(3) + "," + pos.coords.longitude.toFixed(3);
      go(next, "push", "submit");
    }, function () {
      el("bk-q-fout").textContent = "Je locatie is niet gevonden. Typ je postcode of woonplaats.";
      el("bk-aantal").textContent = "";
    }, { timeout: 10000, maximumAge: 600000 });
  }

  /* The map and its first view at once, from the clusters the build made for this page (an
   * untouched search shows every offer; Leaflet draws them on its "load"): before the data is
   * fetched and decoded, which then replaces them with the same clusters, live. */
  function firstView() {
    var box = el("bk-eerste-kaart"), s = readURL();
    pre = box ? JSON.parse(box.textContent) : null;
    if (!pre || s.q || s.loc || activeFilters(s)) { pre = null; return; }
    initMap();
    map.fitBounds(pre.bounds, FIT);
    preView = true;
  }

  firstView();
  // The search data (1.5 MB at 50,000 offers) only after the first view: before it, it would
  // hold up the scripts and styles that view needs (on a slow line, and on a busy server).
  var searchData = fetch(new URL("data/zoek.json", base));
  // The form is painted first; the data is decoded and the map and list filled after that
  // (after the scripts that follow this one: the gazetteer and supercluster).
  document.addEventListener("DOMContentLoaded", function () {
    requestAnimationFrame(function () { setTimeout(start, 0); });
  });
})();
