/* Choosing up to 3 offers for the printable advice sheet ("beweegadvies"), on every page.
 * The choice is kept in localStorage with the time of the last change; it is cleared by
 * "Nieuw advies", after printing and after IDLE_MINUTES without use, so the next patient in
 * the consultation room never sees the previous one's picks. Buttons carry
 * data-advies-kies="<offer id>"; [data-advies-nieuw] buttons start a new advice. A button with
 * data-advies-meer gets the sheet link and a "Nieuw advies" button after it, made here so
 * that the 50,000 offer pages do not each carry them (both are hidden until something is
 * chosen, so adding them moves nothing). */
(function () {
  "use strict";
  var KEY = "beweegkaart.beweegadvies";
  var MAX = 3;
  var IDLE_MINUTES = 15;
  var base = new URL(JSON.parse(document.getElementById("__config").textContent).base + "/", location.href);
  var idleTimer = null;

  function load() {
    var stored;
    try { stored = JSON.parse(localStorage.getItem(KEY)); } catch (e) { stored = null; }
    if (!stored || !Array.isArray(stored.ids) || !(Date.now() - stored.at < IDLE_MINUTES * 60000)) {
      if (stored) { clear(); }  // too old (or an old format): start empty
      return [];
    }
    return stored.ids;
  }
  function save(ids) {
    try { localStorage.setItem(KEY, JSON.stringify({ ids: ids, at: Date.now() })); } catch (e) { /* private mode */ }
    watchIdle();
  }
  function clear() {
    try { localStorage.removeItem(KEY); } catch (e) { /* private mode */ }
  }
  function sheetURL(ids) {
    var p = new URLSearchParams();
    ids.forEach(function (id) { p.append("id", id); });
    return new URL("beweegadvies/" + (ids.length ? "?" + p.toString() : ""), base).href;
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
    document.querySelectorAll("[data-advies-nieuw]").forEach(function (b) {
      if (!b.hasAttribute("data-altijd")) { b.hidden = ids.length === 0; }
    });
    if (message) {
      document.querySelectorAll(".bk-advies-status").forEach(function (s) { s.textContent = message; });
    }
  }

  /* Forget the picks; tell the page (the sheet empties itself). */
  function reset(message) {
    clear();
    refresh(message);
    document.dispatchEvent(new CustomEvent("bk-advies-leeg"));
  }

  // Cleared after a period without use, also when the page stays open.
  function watchIdle() {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(function () {
      if (load().length || document.documentElement.dataset.bkAdvies > 0) {
        reset("Het beweegadvies is gewist omdat de pagina " + IDLE_MINUTES + " minuten niet is gebruikt.");
      }
    }, IDLE_MINUTES * 60000);
  }

  document.addEventListener("click", function (event) {
    var fresh = event.target.closest && event.target.closest("[data-advies-nieuw]");
    if (fresh) {
      reset("Nieuw advies: er staan geen activiteiten meer op het beweegadvies.");
      var status = document.querySelector(".bk-advies-status");
      if (status && fresh.hidden) { status.setAttribute("tabindex", "-1"); status.focus(); }
      return;
    }
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
  ["keydown", "pointerdown"].forEach(function (type) {
    document.addEventListener(type, function () { if (load().length) { save(load()); } }, { passive: true });
  });
  window.addEventListener("afterprint", function () {
    reset("Het beweegadvies is afgedrukt en van dit apparaat gewist. Klaar voor de volgende.");
  });

  function addControls() {
    document.querySelectorAll("[data-advies-meer]").forEach(function (b) {
      var link = document.createElement("a"), fresh = document.createElement("button");
      link.className = fresh.className = "md-button";
      link.href = sheetURL([]);
      link.setAttribute("data-advies-link", "");
      link.hidden = fresh.hidden = true;
      link.textContent = "Beweegadvies bekijken en printen";
      fresh.type = "button";
      fresh.setAttribute("data-advies-nieuw", "");
      fresh.textContent = "Nieuw advies";
      b.after(link, fresh);
      b.removeAttribute("data-advies-meer");
    });
  }

  window.bkAdvies = { load: load, save: save, clear: clear, reset: reset, refresh: refresh,
                      sheetURL: sheetURL, MAX: MAX, IDLE_MINUTES: IDLE_MINUTES };
  addControls();
  refresh();
  if (load().length) { watchIdle(); }
})();
