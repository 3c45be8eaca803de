/* Place search: the gazetteer (data/plaatsen.json) matched forgiving of case, accents,
 * punctuation, "Wijk 03" prefixes and small typos, and an ARIA 1.2 combobox with suggestions.
 * window.bkPlaatsen = { fold, load, match, combobox }. */
(function () {
  "use strict";

  var KIND_LABEL = ["gemeente", "woonplaats", "wijk", "buurt"];
  var G = null;  // decoded gazetteer

  /* "'s-Gravenhage" -> "s gravenhage"; "Wijk 03 Delfshaven" -> "delfshaven" (as gazetteer.key) */
  function fold(text) {
    return String(text).normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/[^a-z0-9]+/g, " ").trim()
      .replace(/^(?:gemeente|wijke?\s+\d+|buurt\s+\d+|wijk|buurt)\s+/, "");
  }

  function decode(raw) {
    var n = raw.n.length, lat = new Float64Array(n), lon = new Float64Array(n), y = 0, x = 0;
    var keys = new Array(n), tight = new Array(n), gkeys = raw.gemeenten.map(fold);
    for (var i = 0; i < n; i++) {
      y += raw.y[i]; x += raw.x[i];
      lat[i] = y / raw.scale; lon[i] = x / raw.scale;
      keys[i] = fold(raw.n[i]);
      tight[i] = keys[i].replace(/ /g, "");
    }
    return { raw: raw, n: n, lat: lat, lon: lon, keys: keys, tight: tight, gkeys: gkeys };
  }

  function load(url) {
    if (!load.promise) {
      load.promise = fetch(url).then(function (r) {
        if (!r.ok) { throw new Error("plaatsen.json: " + r.status); }
        return r.json();
      }).then(function (raw) { G = decode(raw); return G; });
    }
    return load.promise;
  }

  /* Optimal string alignment distance, giving up above max (typos: one or two letters). */
  function distance(a, b, max) {
    if (Math.abs(a.length - b.length) > max) { return max + 1; }
    var prev2 = null, prev = [], cur, i, j;
    for (j = 0; j <= b.length; j++) { prev[j] = j; }
    for (i = 1; i <= a.length; i++) {
      cur = [i];
      var best = i;
      for (j = 1; j <= b.length; j++) {
        var cost = a[i - 1] === b[j - 1] ? 0 : 1;
        var v = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
        if (prev2 && i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
          v = Math.min(v, prev2[j - 2] + 1);
        }
        cur[j] = v;
        if (v < best) { best = v; }
      }
      if (best > max) { return max + 1; }
      prev2 = prev; prev = cur;
    }
    return prev[b.length];
  }

  function allowed(q) { return q.length >= 8 ? 2 : q.length >= 4 ? 1 : 0; }

  /* Places matching the typed text, best first: [{i, score, typo}].
   * "Centrum, Maastricht" or "Centrum Maastricht" narrows to a gemeente. */
  function match(text, limit) {
    if (!G) { return []; }
    var parts = String(text).split(",");
    var q = fold(parts[0]), where = parts.length > 1 ? fold(parts.slice(1).join(" ")) : "";
    if (!q) { return []; }
    var found = scan(q, where);
    if (!found.length && !where) {
      // "Centrum Maastricht": the last words may name the gemeente
      var words = q.split(" ");
      for (var cut = words.length - 1; cut > 0 && !found.length; cut--) {
        found = scan(words.slice(0, cut).join(" "), words.slice(cut).join(" "));
      }
    }
    found.sort(function (a, b) {
      return a.score - b.score || G.raw.s[a.i] - G.raw.s[b.i] ||
        G.raw.n[a.i].length - G.raw.n[b.i].length || (G.raw.n[a.i] < G.raw.n[b.i] ? -1 : 1);
    });
    return limit ? found.slice(0, limit) : found;
  }

  function scan(q, where) {
    var out = [], tq = q.replace(/ /g, ""), max = allowed(tq), raw = G.raw;
    var wordStart = new RegExp("(^| )" + q.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
    for (var i = 0; i < G.n; i++) {
      if (where && G.gkeys[raw.g[i]].indexOf(where) !== 0) { continue; }
      var k = G.keys[i], t = G.tight[i], score = -1, typo = false;
      if (k === q || t === tq) { score = 0; }
      else if (k.indexOf(q) === 0 || t.indexOf(tq) === 0) { score = 1; }
      else if (wordStart.test(k)) { score = 2; }
      else if (max && t.charCodeAt(0) === tq.charCodeAt(0)) {  // typos after the first letter (fast)
        var d = distance(tq, t, max);
        if (d > max && t.length > tq.length) { d = distance(tq, t.slice(0, tq.length), max) + 0.5; }
        if (d <= max) { score = 3 + d; typo = true; }
      }
      if (score >= 0) { out.push({ i: i, score: score, typo: typo }); }
    }
    return out;
  }

  function place(i) {
    var raw = G.raw, gemeente = raw.gemeenten[raw.g[i]], kind = KIND_LABEL[raw.s[i]];
    var name = raw.n[i];
    var same = fold(name) === fold(gemeente);
    var context = kind === "gemeente" ? (same ? "gemeente" : "gemeente (officieel: " + gemeente + ")")
      : kind + " in " + gemeente;
    return { name: name, gemeente: gemeente, kind: kind, lat: G.lat[i], lon: G.lon[i],
             label: kind === "gemeente" ? name : name + ", " + gemeente, context: context };
  }

  /* An ARIA 1.2 combobox on an input: a listbox of suggestions, arrow keys, Enter, Escape. */
  function combobox(input, listbox, status, onChoose) {
    var items = [], active = -1, timer = null;
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listbox.id);
    listbox.setAttribute("role", "listbox");

    function close() {
      listbox.hidden = true; listbox.textContent = ""; items = []; active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }

    function setActive(k) {
      active = k;
      Array.prototype.forEach.call(listbox.children, function (li, n) {
        li.setAttribute("aria-selected", n === k ? "true" : "false");
        li.classList.toggle("bk-actief", n === k);
      });
      if (k >= 0) {
        input.setAttribute("aria-activedescendant", listbox.children[k].id);
        listbox.children[k].scrollIntoView({ block: "nearest" });
      } else { input.removeAttribute("aria-activedescendant"); }
    }

    function open() {
      var text = input.value.trim();
      if (!G || !text || /^\d/.test(text)) { close(); return; }
      var found = match(text, 8);
      // a whole, unambiguous name needs no list (and the list would cover the buttons)
      if (found.length && found[0].score === 0 && !(found[1] && found[1].score === 0)) { found = []; }
      items = found.map(function (m) { return place(m.i); });
      listbox.textContent = "";
      items.forEach(function (p, k) {
        var li = document.createElement("li");
        li.id = listbox.id + "-" + k;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        var strong = document.createElement("span");
        strong.className = "bk-plaats-naam"; strong.textContent = p.name;
        var small = document.createElement("span");
        small.className = "bk-plaats-soort"; small.textContent = " " + p.context;
        li.appendChild(strong); li.appendChild(small);
        li.addEventListener("mousedown", function (e) { e.preventDefault(); });  // keep focus
        li.addEventListener("click", function () { choose(k); });
        listbox.appendChild(li);
      });
      active = -1;
      listbox.hidden = items.length === 0;
      input.setAttribute("aria-expanded", items.length ? "true" : "false");
      clearTimeout(timer);
      timer = setTimeout(function () {  // announce once typing pauses
        status.textContent = items.length ? items.length + (items.length === 1 ? " suggestie" : " suggesties") +
          ". Kies met de pijltjestoetsen en Enter." : "";
      }, 500);
    }

    function choose(k) {
      var p = items[k];
      input.value = p.label;
      close();
      onChoose(p);
    }

    input.addEventListener("input", open);
    input.addEventListener("keydown", function (e) {
      var openNow = !listbox.hidden && items.length;
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        if (!openNow) { open(); if (!items.length) { return; } }
        e.preventDefault();
        var n = items.length;
        setActive(e.key === "ArrowDown" ? (active + 1) % n : (active <= 0 ? n - 1 : active - 1));
      } else if (e.key === "Enter" && openNow && active >= 0) {
        e.preventDefault();
        choose(active);
      } else if (e.key === "Escape") {
        if (openNow) { e.preventDefault(); close(); } else if (input.value) { e.preventDefault(); input.value = ""; }
      } else if (e.key === "Tab") { close(); }
    });
    input.addEventListener("blur", function () { setTimeout(close, 0); });
    return { open: open, close: close };
  }

  window.bkPlaatsen = { fold: fold, load: load, match: match, place: place, combobox: combobox,
                        ready: function () { return G !== null; } };
})();
