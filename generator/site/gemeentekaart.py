"""A small map per gemeente, made with folium: one marker per spot, listing the offers there.

The map is a page of its own (aanbod/<gemeente>/kaart.html, shown in a lazy iframe), its
Leaflet JavaScript and CSS are the site's own copies, and it uses no jQuery or other plugin.
Offers at the same spot share one marker whose popup lists them all, so markers never sit on
top of each other as touch targets. Element ids are fixed, so the same offers give the same
page (the map is rewritten only when a gemeente's offers change).
"""

import json
import re
from functools import lru_cache
from html import escape

import folium
from folium.utilities import JsCode

LEAFLET = "../../assets/vendor/leaflet/"
# Opened from the keyboard, the list takes the focus (Tab would first pass every other marker);
# Escape closes it (Leaflet only listens while the map has focus), the focus back on the marker.
POPUP = JsCode("function (feature, layer) {"
               " layer.bindPopup(feature.properties.lijst, {maxWidth: 260});"
               " layer.bindTooltip(feature.properties.naam);"
               " layer.on('popupopen', function (e) { var box = e.popup.getElement();"
               " box.onkeydown = function (k) { if (k.key === 'Escape') { layer.closePopup(); } };"
               " if (document.activeElement === layer.getElement()) {"
               " box.querySelector('a').focus(); } });"
               " layer.on('popupclose', function (e) { if (e.popup.getElement()"
               ".contains(document.activeElement)) { layer.getElement().focus(); } }); }")
# A marker the keyboard reaches (Tab, then Enter opens the list), named for screen readers.
MARKER = JsCode("function (feature, latlng) { var p = feature.properties;"
                " var m = L.marker(latlng, {keyboard: true, title: p.label, alt: p.label,"
                " icon: L.divIcon({className: 'bk-plek', iconSize: [30, 30],"
                " html: p.aantal > 1 ? '<span aria-hidden=\"true\">' + p.aantal + '</span>'"
                " : ''})});"
                " m.on('add', function () { var e = m.getElement();"
                " e.setAttribute('role', 'button'); e.setAttribute('aria-label', p.label); });"
                " return m; }")
STYLE = ("<style>.leaflet-marker-icon.bk-plek{display:flex;align-items:center;"
         "justify-content:center;"
         "box-sizing:border-box;border:3px solid #1b5e20;border-radius:50%;background:#fff;"
         "color:#1b5e20;font:bold 14px/1 sans-serif}"
         ".bk-plek:focus{outline:3px solid #000;outline-offset:2px}"
         ".leaflet-container .leaflet-control-attribution a{text-decoration:underline}</style>")


def spots(items: list) -> dict[tuple[float, float], list]:
    """Offers grouped by their spot (coordinates to about a metre)."""
    grouped: dict[tuple[float, float], list] = {}
    for item in sorted(items, key=lambda i: (i.titel.lower(), i.id)):
        grouped.setdefault((round(item.lat, 5), round(item.lon, 5)), []).append(item)
    return grouped


def feature(spot: tuple[float, float], items: list) -> dict:
    """One GeoJSON point with the popup list of the offers at that spot (escaped HTML)."""
    links = "".join(f'<li><a href="../../aanbod/{escape(i.id)}/" target="_parent">'
                    f"{escape(i.titel)}</a></li>" for i in items)
    name = items[0].titel if len(items) == 1 else f"{len(items)} activiteiten op deze plek"
    label = name if len(items) == 1 else f"{name}: open de lijst"
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [spot[1], spot[0]]},
            "properties": {"naam": escape(name), "label": label, "aantal": len(items),
                           "lijst": f"<ul>{links}</ul>"}}


# Stand-ins in the scaffold, replaced per gemeente (folium renders them as written).
CENTER, BOUNDS = [11.5, 22.5], [[1.25, 2.25], [3.75, 4.75]]
DATA = re.compile(r"geo_json_plekken_add\((.*)\);\n")


@lru_cache(maxsize=8)
def scaffold(tiles_url: str, attribution: str, max_zoom: int, fit: bool) -> str:
    """The folium page with stand-ins for centre, bounds and points (built once per settings:
    folium compiles its templates per element, which costs more than a gemeente's data)."""
    fmap = folium.Map(location=CENTER, zoom_start=12, tiles=None, prefer_canvas=False)
    fmap.default_js = [("leaflet", LEAFLET + "leaflet.js")]
    fmap.default_css = [("leaflet_css", LEAFLET + "leaflet.css")]
    fmap._id = "kaart"
    tiles = folium.TileLayer(tiles=tiles_url, attr=attribution, max_zoom=max_zoom)
    tiles._id = "tegels"
    tiles.add_to(fmap)
    layer = folium.GeoJson({"type": "FeatureCollection", "features": []},
                           on_each_feature=POPUP, point_to_layer=MARKER)
    layer._id = "plekken"
    layer.add_to(fmap)
    if fit:
        fmap.fit_bounds(BOUNDS, max_zoom=15)
    fmap.get_root().title = "Kaart met het beweegaanbod"
    fmap.get_root().header.add_child(folium.Element(STYLE))
    html = fmap.get_root().render()
    # Valid HTML for the Nu HTML Checker: a language, and folium's script inside <body>.
    html = html.replace("<html>", '<html lang="nl">', 1)
    end = html.rfind("</body>")
    html = html[:end] + html[end + len("</body>"):].replace("</html>", "</body>\n</html>")
    # People may zoom the page (WCAG 1.4.4); folium's default viewport forbids it.
    return html.replace("maximum-scale=1.0, user-scalable=no", "")


def gemeente_map(items: list, tiles_url: str, attribution: str, max_zoom: int) -> str:
    """The HTML page of one gemeente's map."""
    grouped = spots(items)
    lats = [s[0] for s in grouped]
    lons = [s[1] for s in grouped]
    html = scaffold(tiles_url, attribution, max_zoom, len(grouped) > 1)
    center = [round(sum(lats) / len(lats), 5), round(sum(lons) / len(lons), 5)]
    data = {"type": "FeatureCollection",
            "features": [feature(s, found) for s, found in grouped.items()]}
    # as folium does: < > & as \\u escapes, so no text can end the <script> element
    text = (json.dumps(data, ensure_ascii=False, sort_keys=True).replace("<", "\\u003c")
            .replace(">", "\\u003e").replace("&", "\\u0026"))
    html = html.replace(str(CENTER), str(center), 1)
    html = html.replace(str(BOUNDS), str([[min(lats), min(lons)], [max(lats), max(lons)]]), 1)
    return DATA.sub(lambda _m: f"geo_json_plekken_add({text});\n", html, count=1)
