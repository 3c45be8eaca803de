/* The small map on an offer page: one marker, tiles from the configured server. */
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("beweegkaart-config").textContent);
  var base = new URL(JSON.parse(document.getElementById("__config").textContent).base + "/", location.href);
  document.querySelectorAll(".bk-kaart-klein").forEach(function (box) {
    var ll = [Number(box.dataset.lat), Number(box.dataset.lon)];
    box.setAttribute("role", "region");
    box.setAttribute("aria-label", "Kaart: " + box.dataset.titel);
    L.Icon.Default.imagePath = new URL("assets/vendor/leaflet/images/", base).href;
    var map = L.map(box, { scrollWheelZoom: false }).setView(ll, 15);
    map.attributionControl.setPrefix("Leaflet");
    L.tileLayer(cfg.tiles, { attribution: cfg.attribution, maxZoom: cfg.maxZoom }).addTo(map);
    L.marker(ll, { alt: box.dataset.titel, title: box.dataset.titel, keyboard: false }).addTo(map);
  });
})();
