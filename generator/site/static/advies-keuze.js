/* Choosing up to 3 offers for the printable advice sheet ("beweegadvies"), on every page.
 * The choice is kept in localStorage; buttons carry data-advies-kies="<offer id>". */
(function () {
  "use strict";
  var KEY = "beweegkaart.beweegadvies";
  var MAX = 3;
  var base = new URL(JSON.parse(document.getElementById("__config").textContent).base + "/", location.href);

  function load() {
    try { return JSON.parse(localStorage.getItem(KEY)) || []; } catch (e) { return []; }
  }
  function save(ids) {
    try { localStorage.setItem(KEY, JSON.stringify(ids)); } catch (e) { /* private mode */ }
  }
  function sheetURL(ids) {
    var p = new URLSearchParams();
    ids.forEach(function (id) { p.append("id", id); });
    return new URL("beweegadvies/?" + p.toString(), base).href;
  }

  function refresh(message) {
    var ids = load();
    document.querySelectorAll("[data-advies-kies]").forEach(function (b) {
      var on = ids.indexOf(b.dataset.adviesKies) >= 0;
      b.setAttribute("aria-pressed", on ? "true" : "false");
      b.textContent = on ? "Staat op beweegadvies \u2713" : "Zet op beweegadvies";
    });
    document.querySelectorAll("[data-advies-link]").forEach(function (a) {
      a.hidden = ids.length === 0;
      a.href = sheetURL(ids);
      a.textContent = "Beweegadvies bekijken en printen (" + ids.length + " van " + MAX + ")";
    });
    if (message) {
      document.querySelectorAll(".bk-advies-status").forEach(function (s) { s.textContent = message; });
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-advies-kies]");
    if (!button) { return; }
    var ids = load(), id = button.dataset.adviesKies, at = ids.indexOf(id), message;
    if (at >= 0) {
      ids.splice(at, 1);
      message = "Van het beweegadvies gehaald. Nu " + ids.length + " van " + MAX + " gekozen.";
    } else if (ids.length >= MAX) {
      message = "Je kunt maximaal " + MAX + " activiteiten kiezen. Haal er eerst een weg.";
    } else {
      ids.push(id);
      message = "Op het beweegadvies gezet. Nu " + ids.length + " van " + MAX + " gekozen.";
    }
    save(ids);
    refresh(message);
  });

  window.bkAdvies = { load: load, save: save, refresh: refresh, sheetURL: sheetURL, MAX: MAX };
  refresh();
})();
