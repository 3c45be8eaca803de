/* The coach box: for the postcode in the search (home page) or on the advice sheet (?pc=),
 * the coaches whose werkgebied holds it, from data/coaches.json (public details only).
 * Shown on the home page with results and in the empty state. */
(function () {
  "use strict";
  var box = document.getElementById("bk-coach");
  if (!box) { return; }
  var base = new URL(JSON.parse(document.getElementById("__config").textContent).base + "/", location.href);
  var config = JSON.parse(document.getElementById("beweegkaart-config").textContent);
  var data = null;

  function load() {
    if (!data) {
      data = fetch(new URL("data/coaches.json", base)).then(function (r) {
        if (!r.ok) { throw new Error("coaches.json: " + r.status); }
        return r.json();
      });
    }
    return data;
  }

  function postcode() {
    var p = new URLSearchParams(location.search);
    var m = (p.get("pc") || p.get("q") || "").match(/^\s*([1-9][0-9]{3})(\s*[a-zA-Z]{2})?\s*$/);
    return m ? m[1] : null;
  }

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text) { node.textContent = text; }
    if (cls) { node.className = cls; }
    return node;
  }

  function show(code, coaches) {
    box.textContent = "";
    var h = el("h2", "Weet je niet wat past? De beweegcoach van jouw wijk helpt");
    h.id = "bk-coach-kop";
    box.appendChild(h);
    box.appendChild(el("p", "De coach helpt gratis bij het kiezen van een activiteit, en gaat soms de eerste keer mee."));
    coaches.forEach(function (c) {
      var p = el("p");
      p.appendChild(el("strong", c.naam));
      p.appendChild(document.createTextNode(", " + c.functie + " bij " + c.organisatie +
        (c.wijken.length ? " (" + c.wijken.join(", ") + ")" : "") + ". Bel "));
      var tel = el("a", c.telefoon);
      tel.href = "tel:" + c.telefoon.replace(/\s/g, "");
      p.appendChild(tel);
      p.appendChild(document.createTextNode(", " + c.bereikbaar + "."));
      box.appendChild(p);
    });
    var refer = el("p", null, "bk-no-print");
    var link = el("a", coaches.length > 1 ? "Zorgverlener? Verwijs naar een beweegcoach"
                                          : "Zorgverlener? Verwijs naar de beweegcoach");
    link.href = config.referralUrl + "/verwijzen/coach/" + code;
    refer.appendChild(link);
    box.appendChild(refer);
    box.hidden = false;
  }

  function update() {
    var code = postcode();
    var advice = document.querySelector("[data-advies-link]");
    if (advice) {
      var url = new URL(advice.getAttribute("href"), location.href);
      if (code) { url.searchParams.set("pc", code); } else { url.searchParams.delete("pc"); }
      advice.setAttribute("href", url.pathname + url.search);
    }
    if (!code) { box.hidden = true; box.dataset.bkCoach = "0"; return Promise.resolve(); }
    return load().then(function (d) {
      var coaches = (d.pc4[code] || []).map(function (i) { return d.coaches[i]; });
      if (coaches.length) { show(code, coaches); } else { box.hidden = true; }
      box.dataset.bkCoach = String(coaches.length);
    }).catch(function () { box.hidden = true; });
  }

  // The advice sheet is cleared for the next patient: the coach box goes with it.
  document.addEventListener("bk-advies-leeg", function () {
    box.hidden = true; box.textContent = ""; box.dataset.bkCoach = "0";
  });
  // The search page marks every applied search on <html data-bk-ready>; follow it.
  new MutationObserver(update).observe(document.documentElement,
                                       { attributes: true, attributeFilter: ["data-bk-ready"] });
  update();
})();
