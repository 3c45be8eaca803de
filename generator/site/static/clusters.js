/* The home map's clustering: the offers' positions and spots, the supercluster index and the
 * items a map view shows. One copy of this code serves the browser (zoeken.js) and the build:
 * generator/site/first_view.js runs it in Node on the same search data to precompute the first
 * view's items, so the first view drawn from the page itself and the one the browser clusters
 * later are the same markers (Node's and Chromium's V8 may differ in the last bits of a
 * position, far below a pixel; tests/site/test_first_view.py checks both). */
(function (root) {
  "use strict";

  // Clustered up to the deepest zoom, 60 screen pixels apart: markers never overlap as touch
  // targets; offers at one spot are one marker that opens a list.
  var RADIUS = 60, EXTENT = 256, MIN_ZOOM = 6;
  var FIT = { maxZoom: 14, padding: 20 };  // the first view: every offer, this close at most

  /* The offers' positions and spots; the filter columns are decoded elsewhere, when first
   * needed. Offers at exactly the same point share a spot: spot[i] is offer i's spot. The
   * offers come in a space-filling-curve order, so offers at one spot mostly follow each
   * other: only the first of such a run needs a look-up. */
  function decode(raw) {
    var n = raw.n, lat = new Float64Array(n), lon = new Float64Array(n), spot = new Int32Array(n);
    var all = new Array(n), at = new Map(), spots = 0, s = -1, y = 0, x = 0;
    for (var i = 0; i < n; i++) {
      y += raw.y[i]; x += raw.x[i];
      lat[i] = y / raw.scale; lon[i] = x / raw.scale;
      all[i] = i;
      if (i === 0 || raw.y[i] !== 0 || raw.x[i] !== 0) {
        var key = y * 4194304 + x;  // one number per spot (integer coordinates; exact in a double)
        s = at.get(key);
        if (s === undefined) { s = spots++; at.set(key, s); }
      }
      spot[i] = s;
    }
    return { raw: raw, n: n, lat: lat, lon: lon, spot: spot, spots: spots, all: all };
  }

  /* The offers `ids` grouped by spot: one point per spot, holding the offers there (many
   * offers share a sports park; the clustering then works on spots, not on offers). */
  function spotPoints(D, ids) {
    var slot = new Int32Array(D.spots), pts = [];  // spot -> 1 + the index of its point
    for (var k = 0; k < ids.length; k++) {
      var i = ids[k], s = D.spot[i], p = slot[s];
      if (p === 0) {
        slot[s] = pts.push({ type: "Feature", properties: { ids: [i], n: 1 },
                             geometry: { type: "Point", coordinates: [D.lon[i], D.lat[i]] } });
      } else {
        var props = pts[p - 1].properties;
        props.ids.push(i);
        props.n++;
      }
    }
    return pts;
  }

  /* Offers per cluster id (a cluster's point_count counts spots). From the index's own levels:
   * supercluster 8 keeps each zoom's items in trees[z].data, `stride` numbers each: x, y, zoom,
   * id (a point's index, or a cluster's id), parent cluster id (or -1), point count. Going up
   * from the deepest level, each item adds its offers to its parent's; a cluster's total is
   * complete before its own parent needs it. (A `reduce` option costs more: supercluster then
   * makes new objects at every merge.) */
  function offersPerCluster(sc) {
    var offers = new Map(), stride = sc.stride;
    for (var z = sc.trees.length - 1; z > sc.options.minZoom; z--) {
      var data = sc.trees[z].data;
      for (var k = 0; k < data.length; k += stride) {
        var parent = data[k + 4];
        if (parent < 0) { continue; }
        var id = data[k + 3], own = data[k + 5] > 1 ? offers.get(id) : sc.points[id].properties.n;
        offers.set(parent, (offers.get(parent) || 0) + own);
      }
    }
    return offers;
  }

  /* The clustering of the offers `ids` (Supercluster: the library's class). */
  function build(Supercluster, D, ids, maxZoom) {
    var sc = new Supercluster({ radius: RADIUS, extent: EXTENT, minZoom: MIN_ZOOM, maxZoom: maxZoom })
      .load(spotPoints(D, ids));
    sc.bkOffers = offersPerCluster(sc);
    return sc;
  }

  /* The offers under a map item of supercluster: a spot's own, or every spot's in a cluster. */
  function offersOf(sc, c) {
    if (!c.properties.cluster) { return c.properties.ids; }
    var ids = [];
    sc.getLeaves(c.properties.cluster_id, Infinity).forEach(function (f) { ids.push.apply(ids, f.properties.ids); });
    return ids;
  }

  /* What the map shows in bbox [west, south, east, north] at zoom: one item per marker, with
   * what the marker needs: its position, its number of offers (n), a key (the same marker at
   * the same zoom has the same key); a group of offers has the zoom at which it splits (zoom)
   * or, when it cannot split (all at one spot), its offers (ids); a pin has its offer (i). */
  function items(sc, bbox, zoom, maxZoom) {
    return sc.getClusters(bbox, zoom).map(function (c) {
      var p = c.properties, n = p.cluster ? sc.bkOffers.get(p.cluster_id) : p.n;
      var item = { lat: c.geometry.coordinates[1], lon: c.geometry.coordinates[0], n: n,
                   key: p.cluster ? "c" + p.cluster_id : "p" + p.ids[0] };
      if (n === 1) {
        item.i = p.ids[0];
      } else {
        var deeper = p.cluster ? sc.getClusterExpansionZoom(p.cluster_id) : Infinity;
        if (deeper > maxZoom) { item.ids = offersOf(sc, c); } else { item.zoom = deeper; }
      }
      return item;
    });
  }

  /* [[south, west], [north, east]] around the offers `ids` (the first view fits it). */
  function bounds(D, ids) {
    var minLat = 90, maxLat = -90, minLon = 180, maxLon = -180;
    for (var k = 0; k < ids.length; k++) {
      var i = ids[k];
      if (D.lat[i] < minLat) { minLat = D.lat[i]; } if (D.lat[i] > maxLat) { maxLat = D.lat[i]; }
      if (D.lon[i] < minLon) { minLon = D.lon[i]; } if (D.lon[i] > maxLon) { maxLon = D.lon[i]; }
    }
    return [[minLat, minLon], [maxLat, maxLon]];
  }

  root.bkClusters = { RADIUS: RADIUS, EXTENT: EXTENT, MIN_ZOOM: MIN_ZOOM, FIT: FIT,
                      decode: decode, spotPoints: spotPoints, offersPerCluster: offersPerCluster,
                      build: build, offersOf: offersOf, items: items, bounds: bounds };
})(this);  // the window in a page; the context's global object in the build (first_view.js)
