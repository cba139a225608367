"""The map reports its view to the page without a rerun (issue 15).

Inside the app the map lives in streamlit-folium's iframe, served from the
app's own origin, so its script may touch the parent page. On every
``moveend`` (and once the map is ready, and whenever its size changes) the
:class:`ViewReporter` script:

1. writes ``lat``, ``lon``, ``z`` into the parent page's address with
   ``history.replaceState`` (the address bar is the shareable link of what is
   on screen; no navigation, no rerun);
2. stages ``lat,lon,z,west,south,east,north`` into a hidden text input of the
   page (``.st-key-<input_key> input``; the page makes it with
   ``on_change="ignore"``, so Streamlit holds the value without a rerun and
   sends it with the next rerun, whatever causes it);
3. keeps the same text in the tab's ``sessionStorage`` (``atlas.view``), from
   which another page (Export) stages it into its own hidden input.

Streamlit 1.67 does not read the address bar back on a rerun (its frontend
sends its own copy of the query string), hence the hidden input; the script
also writes the view back into the address bar when a rerun replaced it.
Coordinates are reported in WGS84 (a GCJ-02 base map's centre is converted
back by the inverse of :func:`geo.coords.wgs_to_gcj`), rounded by
:func:`geo.urlstate.view_decimals`. The script holds no view of its own: the
base map stays byte-identical across reruns, so the browser keeps its map.
Outside an iframe (a standalone HTML file) steps 1–3 do nothing.
"""

from __future__ import annotations

import shapely
from branca.element import MacroElement, Template

from geo import coords
from geo.tiles import BASEMAPS

#: The tab's sessionStorage key holding the last reported view.
STORAGE_KEY = "atlas.view"


class ViewReporter(MacroElement):
    """The script of the module docstring, for one hidden input and one coordinate frame."""

    _template = Template(
        """{% macro script(this, kwargs) %}
(function (map) {
  var KEY = {{ this.input_key|tojson }}, FRAME = {{ this.frame|tojson }}, STORE = {{ this.store|tojson }};
  var P = window.parent, last = null, lastText = "";
  function gcj(lon, lat) {  // geo.coords.wgs_to_gcj, the published closed form
    var x = lon - 105, y = lat - 35, pi = Math.PI, a = 6378245.0, ee = 0.00669342162296594323;
    var dLat = -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x)) + (2 * Math.sin(x * 6 * pi) + 2 * Math.sin(x * 2 * pi)
      + 2 * Math.sin(y * pi) + 4 * Math.sin(y / 3 * pi) + 16 * Math.sin(y / 12 * pi) + 32 * Math.sin(y / 30 * pi)) * 20 / 3;
    var dLon = 300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x)) + (2 * Math.sin(x * 6 * pi) + 2 * Math.sin(x * 2 * pi)
      + 2 * Math.sin(x * pi) + 4 * Math.sin(x / 3 * pi) + 15 * Math.sin(x / 12 * pi) + 30 * Math.sin(x / 30 * pi)) * 20 / 3;
    var r = lat * pi / 180, m = 1 - ee * Math.sin(r) * Math.sin(r);
    return [lon + dLon / (a * Math.cos(r) / Math.sqrt(m) * pi / 180), lat + dLat / ((a * (1 - ee)) / Math.pow(m, 1.5) * pi / 180)];
  }
  function wgs(lon, lat) {  // display frame -> WGS84 (fixed-point inverse, as geo.coords.gcj_to_wgs)
    if (FRAME !== "GCJ-02") return [lon, lat];
    var x = lon, y = lat;
    for (var i = 0; i < 6; i++) { var f = gcj(x, y); x -= f[0] - lon; y -= f[1] - lat; }
    return [x, y];
  }
  function clamp(v, lo, hi) { return Math.min(hi, Math.max(lo, v)); }
  function decimals(z) { return Math.max(0, Math.ceil(Math.log10(256 * Math.pow(2, z) / 360))); }  // geo.urlstate.view_decimals
  function view() {
    var c = map.getCenter().wrap(), b = map.getBounds(), z = Math.round(map.getZoom()), d = decimals(z);
    var cc = wgs(c.lng, c.lat), sw = wgs(b.getWest(), b.getSouth()), ne = wgs(b.getEast(), b.getNorth());
    var box = [clamp(sw[0], -180, 180), clamp(sw[1], -90, 90), clamp(ne[0], -180, 180), clamp(ne[1], -90, 90)];
    return {lat: clamp(cc[1], -90, 90).toFixed(d), lon: clamp(cc[0], -180, 180).toFixed(d), z: String(z), box: box.map(function (v) { return v.toFixed(5); })};
  }
  function writeUrl(v) {
    if (P === window) return;
    try {
      var u = new URL(P.location.href), s = u.searchParams;
      if (s.get("lat") === v.lat && s.get("lon") === v.lon && s.get("z") === v.z) return;
      s.set("lat", v.lat); s.set("lon", v.lon); s.set("z", v.z);
      P.history.replaceState(P.history.state, "", u.pathname + "?" + s.toString() + u.hash);
    } catch (e) {}
  }
  function stage(text) {
    if (P === window) return;
    try {
      var input = P.document.querySelector(".st-key-" + KEY + " input");
      if (!input || input.value === text) return;
      Object.getOwnPropertyDescriptor(P.HTMLInputElement.prototype, "value").set.call(input, text);
      input.dispatchEvent(new P.Event("input", {bubbles: true}));
    } catch (e) {}
  }
  function report() {
    var v = view(), text = [v.lat, v.lon, v.z].concat(v.box).join(",");
    last = v; lastText = text; window.__atlasView = text;
    map.getContainer().setAttribute("data-view", text);
    try { P.sessionStorage.setItem(STORE, text); } catch (e) {}
    writeUrl(v); stage(text);
  }
  if (window.__atlasViewStop) window.__atlasViewStop();  // a rebuilt map replaces the old one's reporter
  map.on("moveend", report);
  map.whenReady(function () { setTimeout(report, 300); });
  var timer = setInterval(function () {  // a resized map, or a rerun that rewrote the address or the input
    if (!last) return;
    var v = view();
    if (v.lat !== last.lat || v.lon !== last.lon || v.z !== last.z || v.box.join() !== last.box.join()) report();
    else { writeUrl(last); stage(lastText); }
  }, 1000);
  window.__atlasViewStop = function () { clearInterval(timer); map.off("moveend", report); };
})({{ this._parent.get_name() }});
{% endmacro %}"""
    )

    def __init__(self, *, input_key: str, frame: str = "WGS84") -> None:
        super().__init__()
        self._name = "ViewReporter"
        self.input_key, self.frame, self.store = input_key, frame, STORAGE_KEY


def view_reporter(*, input_key: str, basemap: str = "none") -> ViewReporter:
    """The view-reporting script for a map on ``basemap``: ``m.add_child(view_reporter(input_key="atlas_view"))``.

    Parameters
    ----------
    input_key
        Key of the page's hidden text input (Streamlit gives its container
        the class ``st-key-<key>``). Letters, digits, ``_`` and ``-`` only.
    basemap
        The base map (:data:`geo.tiles.BASEMAPS`): its frame decides whether
        the centre is converted back from GCJ-02.
    """
    if not input_key.replace("_", "").replace("-", "").isalnum():
        raise ValueError(f"input_key must be letters, digits, '_' or '-': {input_key!r}")
    return ViewReporter(input_key=input_key, frame=BASEMAPS[basemap].crs)


def display_location(lat: float, lon: float, basemap: str) -> tuple[float, float]:
    """A WGS84 ``(lat, lon)`` in the coordinate frame of ``basemap`` (a GCJ-02 map's centre moves ~500 m)."""
    frame = BASEMAPS[basemap].crs
    if frame == "WGS84":
        return lat, lon
    x, y = shapely.get_coordinates(coords.convert(shapely.Point(lon, lat), source="WGS84", target=frame))[0]
    return float(y), float(x)


def loader_html(*, input_key: str) -> str:
    """A tiny page for an iframe on another page: stages the tab's last reported view (sessionStorage) into that
    page's hidden input ``input_key``, without a rerun (see the module docstring)."""
    import json

    return (
        "<script>(function(){var P=window.parent,n=0;"
        f"var KEY={json.dumps(input_key)},STORE={json.dumps(STORAGE_KEY)};"
        "function go(){var text=null;try{text=P.sessionStorage.getItem(STORE);}catch(e){}"
        "var input=P.document.querySelector('.st-key-'+KEY+' input');"
        "if(!input){if(n++<40)setTimeout(go,250);return;}"
        "if(!text||input.value===text)return;"
        "Object.getOwnPropertyDescriptor(P.HTMLInputElement.prototype,'value').set.call(input,text);"
        "input.dispatchEvent(new P.Event('input',{bubbles:true}));}"
        "go();})();</script>"
    )


__all__ = ["STORAGE_KEY", "ViewReporter", "display_location", "loader_html", "view_reporter"]
