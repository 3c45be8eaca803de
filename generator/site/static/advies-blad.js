/* The printable advice sheet: up to 3 chosen offers with a QR code to each offer page.
 * Offers come from the URL (?id=...&id=...) or the choice in localStorage; their key facts
 * are read from the offer pages themselves (the #aanbod-gegevens block). */
(function () {
  "use strict";
  var base = new URL(JSON.parse(document.getElementById("__config").textContent).base + "/", location.href);
  var box = document.getElementById("bk-advies");
  var status = document.getElementById("bk-advies-melding");

  function chosen() {
    var ids = new URLSearchParams(location.search).getAll("id");
    if (!ids.length && window.bkAdvies) { ids = window.bkAdvies.load(); }
    return ids.filter(function (id) { return /^[a-z0-9-]+\/[a-z0-9-]+$/.test(id); }).slice(0, 3);
  }

  // What sits below the sheet stays hidden until the offers are in, so it never moves in
  // view (no layout shift); see .bk-advies-laden in site.css.
  document.documentElement.classList.add("bk-advies-laden");
  function loaded() { document.documentElement.classList.remove("bk-advies-laden"); }

  function record(id) {
    var url = new URL("aanbod/" + id + "/", base);
    return fetch(url).then(function (r) {
      if (!r.ok) { return null; }
      return r.text().then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var data = doc.getElementById("aanbod-gegevens");
        return data ? Object.assign(JSON.parse(data.textContent), { url: url.href }) : null;
      });
    });
  }

  function qrSvg(url, title) {
    var qr = qrcode(0, "M");
    qr.addData(url);
    qr.make();
    var id = "qr-" + Math.random().toString(36).slice(2);
    return qr.createSvgTag({ cellSize: 3, margin: 2, scalable: true,
                             alt: { text: "QR-code naar de pagina van " + title, id: id + "-d" },
                             title: { text: "QR-code: " + title, id: id + "-t" } });
  }

  function row(dl, label, value) {
    if (!value) { return; }
    var dt = document.createElement("dt"), dd = document.createElement("dd");
    dt.textContent = label; dd.textContent = value;
    dl.appendChild(dt); dl.appendChild(dd);
  }

  function render(records) {
    box.textContent = "";
    records.forEach(function (r) {
      var art = document.createElement("article");
      art.className = "bk-advies-item";
      var text = document.createElement("div");
      var h = document.createElement("h2");
      h.textContent = r.titel;
      text.appendChild(h);
      var dl = document.createElement("dl");
      row(dl, "Wat", r.activiteiten.join(", "));
      row(dl, "Wanneer", r.wanneer);
      row(dl, "Waar", r.plek + ", " + r.adres + ", " + r.postcode + " " + r.plaats);
      row(dl, "Kosten", r.kosten + (r.proefles ? " (gratis proefles)" : ""));
      row(dl, "Vergoeding", [r.zorgverzekeraar && "Zorgverzekeraar: " + r.zorgverzekeraar,
                             r.stadspas && "Stadspas: " + r.stadspas, r.korting && "Korting: " + r.korting]
        .filter(Boolean).join(" ") || "Niet bekend. Vraag het de aanbieder.");
      row(dl, "Begeleiding", (r.begeleiding || []).join(", ") || "Niet bekend. Vraag het de aanbieder.");
      row(dl, "Meenemen", r.meenemen || "Vraag de aanbieder wat je mee moet nemen.");
      row(dl, "Contact", [r.aanbieder, r.telefoon, r.email].filter(Boolean).join(", "));
      row(dl, "Link", r.url.replace(/^https?:\/\//, ""));
      text.appendChild(dl);
      var code = document.createElement("div");
      code.className = "bk-qr";
      code.innerHTML = qrSvg(r.url, r.titel);
      var svg = code.querySelector("svg");
      svg.setAttribute("role", "img");
      svg.setAttribute("width", "120"); svg.setAttribute("height", "120");
      art.appendChild(text); art.appendChild(code);
      box.appendChild(art);
    });
    document.documentElement.dataset.bkAdvies = String(records.length);
    loaded();
  }

  var made = document.getElementById("bk-advies-gemaakt");
  if (made) { made.textContent = "Datum: " + new Date().toLocaleDateString("nl-NL", { day: "numeric", month: "long", year: "numeric" }); }
  var EMPTY = "Je hebt nog geen activiteiten gekozen. Zoek een activiteit en kies \u201cZet op beweegadvies\u201d.";

  /* An empty sheet: no picks in the page, the URL or the browser's storage. */
  function empty(message) {
    box.textContent = "";
    if (location.search) { history.replaceState(null, "", location.pathname); }
    status.textContent = message || EMPTY;
    document.getElementById("bk-print").disabled = true;
    document.documentElement.dataset.bkAdvies = "0";
    loaded();
  }

  document.addEventListener("bk-advies-leeg", function () {
    empty(document.querySelector(".bk-advies-status").textContent || EMPTY);
  });
  document.getElementById("bk-print").addEventListener("click", function () { window.print(); });
  var ids = chosen();
  if (!ids.length) {
    empty();
    return;
  }
  Promise.all(ids.map(record)).then(function (found) {
    var records = found.filter(Boolean);
    if (records.length < ids.length) {
      status.textContent = "Niet alle gekozen activiteiten bestaan nog; ze staan niet op het blad.";
    }
    render(records);
  }).finally(loaded);
})();
