/* The home map's first view, clustered at build time (run by first_view.py, not published).
 *
 *   node first_view.js SUPERCLUSTER_JS CLUSTERS_JS < {"search": ..., "maxZoom": 19}
 *
 * "search" holds the positions of data/zoek.json (n, scale, shard, y, x, as in that file).
 * The two scripts are the site's own copies, run as the page runs them (classic scripts in one
 * global scope), so what is printed is what the browser computes from zoek.json for an
 * untouched search: {"bounds": the first view fits them, "shard": the detail shards' size,
 * "zooms": {zoom: the items of C.items}} for the zooms a first view can have (from a small
 * phone to a wide screen), as many as fit in MAX_ITEMS; null for a catalogue without offers. */
"use strict";

const fs = require("fs");
const vm = require("vm");

const MAX_ITEMS = 600;  // markers in the page at most (the 50,000 synthetic offers: 22)
const SIZES = [[240, 200], [1600, 640]];  // the map box, in CSS pixels: smallest, largest

const context = vm.createContext({});
for (const file of process.argv.slice(2, 4)) {
  vm.runInContext(fs.readFileSync(file, "utf8"), context, { filename: file });
}
const C = context.bkClusters;
const input = JSON.parse(fs.readFileSync(0, "utf8"));
const search = input.search, maxZoom = input.maxZoom;

/* The zoom Leaflet's fitBounds picks for bounds in a map box of width x height (zoomSnap 1,
 * C.FIT's padding and maxZoom, the map's minZoom). Only chooses which zooms to make: the page
 * itself lets Leaflet fit the view, and draws live clusters for a zoom that is not here. */
function fitZoom(bounds, width, height) {
  const merc = (lat) => Math.log(Math.tan(Math.PI / 4 + lat * Math.PI / 360));
  const dx = (bounds[1][1] - bounds[0][1]) / 360 * 256;
  const dy = (merc(bounds[1][0]) - merc(bounds[0][0])) / (2 * Math.PI) * 256;
  const pad = 2 * C.FIT.padding;
  let zoom = Math.log2(Math.min((width - pad) / dx, (height - pad) / dy));
  zoom = Math.floor(Math.round(zoom * 100) / 100);
  return Math.max(C.MIN_ZOOM, Math.min(C.FIT.maxZoom, maxZoom, zoom));
}

let view = null;
if (search.n > 0) {
  const D = C.decode(search);
  const index = C.build(context.Supercluster, D, D.all, maxZoom);
  const bounds = C.bounds(D, D.all);
  const zooms = {};
  let total = 0;
  const [low, high] = SIZES.map(([w, h]) => fitZoom(bounds, w, h));
  for (let zoom = low; zoom <= high; zoom++) {
    const items = C.items(index, [-180, -90, 180, 90], zoom, maxZoom);
    total += items.length;
    if (total > MAX_ITEMS) { break; }
    zooms[zoom] = items;
  }
  view = { bounds: bounds, shard: search.shard, zooms: zooms };
}
process.stdout.write(JSON.stringify(view));
