"""Projects drawn from a PMTiles archive (protomaps-leaflet), for maps past 100,000 projects.

Above ``settings.vector_tiles_threshold`` drawn projects, inline GeoJSON is
too heavy to send and to paint; :func:`vector_tile_layer` instead adds a
canvas layer that fetches the tiles of :func:`geo.vtiles.build` by HTTP range
requests (Streamlit static serving, ``/app/static/tiles/…``) and paints them
with the colours, dashes and fills of :func:`geo.styles.feature_style` for
lines and polygons and the very SVG point symbols of the inline map
(:func:`geo.styles.point_svg`, stamped as images); the full style table is
computed here and looked up per feature, so the two renderings cannot drift.
Town-, district- and city-level records are not in the archive: the map
page draws them as on the inline map, one badge per place with its count and
name (:func:`layers.projects.place_layer`), a click opening the place's list.

Click
    protomaps-leaflet paints on canvas, so there are no per-feature Leaflet
    layers to click. A map click picks the tile features under the cursor
    (``queryTileFeaturesDebug``), rings the chosen one, opens a tooltip that
    starts with the project id (the same form as today's tooltips, so
    :func:`layers.projects.clicked_id` reads it) and re-fires the click on
    the tile layer with that tooltip as its source: streamlit-folium returns
    it as ``last_object_clicked_tooltip``. The id is also left in
    ``window.__atlasPicked`` and in the map container's ``data-picked``.

The script and the asset come from ``static/vendor/protomaps`` (npm
``protomaps-leaflet``, ``scripts/fetch_assets.sh``); no CDN. The layer's
default attribution (Protomaps/OpenStreetMap, which the archive does not
contain) is replaced by the app's name.
"""

from __future__ import annotations

import base64
import itertools
import json

import folium
from folium.elements import JSCSSMixin
from jinja2 import Template

from geo.i18n import t
from geo.model import CATEGORIES, STATUSES, label
from geo.styles import CATEGORY_COLORS, PRECISION_POINT, feature_style, point_svg
from geo.vtiles import LAYER

PROTOMAPS_JS = "protomaps/protomaps-leaflet.js"
_KINDS = ("point", "line", "polygon")


def _rgba(color: str, alpha: float) -> str:
    r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha:.3f})"


def _canvas_style(style: dict, kind: str) -> dict:
    """A :func:`geo.styles.feature_style` dict (line or polygon) in the terms of protomaps-leaflet symbolizers."""
    dash = [float(v) for v in style.get("dashArray", "").split()]
    out = {"color": style["color"], "weight": style["weight"], "opacity": style["opacity"], "dash": dash}
    if kind == "polygon":
        out["fill"] = _rgba(style["fillColor"], style["fillOpacity"])
        out["stroke"] = _rgba(style["color"], style["opacity"])
    return out


def _point_style(category: str, status: str, precision: str) -> dict:
    """The inline map's point symbol (:func:`geo.styles.point_svg`) as an image the canvas stamps."""
    svg, size = point_svg(category, status, precision)
    return {"svg": "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode(), "size": size}


def style_table() -> dict[str, dict]:
    """Style of every ``category|status|precision|kind``, plus ``_default|<kind>``.

    Lines and polygons carry :func:`geo.styles.feature_style` in canvas terms;
    points carry the very SVG symbol of the inline map (:func:`geo.styles.point_svg`:
    shape by category, colour by family, fill and ring dash by status, size by
    precision), stamped on the canvas as an image, so both maps look the same.
    """
    table = {}
    for cat, status, prec, kind in itertools.product(CATEGORY_COLORS, STATUSES, PRECISION_POINT, _KINDS):
        if kind == "point":
            table[f"{cat}|{status}|{prec}|{kind}"] = _point_style(cat, status, prec)
        else:
            table[f"{cat}|{status}|{prec}|{kind}"] = _canvas_style(feature_style(cat, status, prec, kind), kind)
    for kind in _KINDS:
        table[f"_default|{kind}"] = (_point_style("other", "proposed", "approximate") if kind == "point"
                                     else _canvas_style(feature_style("other", "proposed", "approximate", kind), kind))
    return table


class VectorTileProjects(JSCSSMixin, folium.MacroElement):
    """The protomaps-leaflet layer of a PMTiles archive (see the module docstring)."""

    _template = Template(
        """
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = (function () {
  var map = {{ this._parent.get_name() }};
  var S = {{ this.styles }}, CAT = {{ this.categories }}, ALLOW = {{ this.allow }};
  function shown(f) {
    return (!ALLOW.category || ALLOW.category.indexOf(f.props.category) >= 0) &&
           (!ALLOW.status || ALLOW.status.indexOf(f.props.status) >= 0);
  }
  function st(f) {
    var p = f.props;
    var kind = f.geomType === 1 ? "point" : (f.geomType === 2 ? "line" : "polygon");
    var prec = p.location_precision === "exact" ? "exact" : "approximate";
    return S[p.category + "|" + p.status + "|" + prec + "|" + kind] || S["_default|" + kind];
  }
  var IMG = {}, missed = false;
  Object.keys(S).forEach(function (k) {
    if (S[k].svg) { var im = new Image(); im.src = S[k].svg; IMG[k] = im; S[k].img = im; }
  });
  var stamp = {draw: function (ctx, geom, z, f) {
    var s = st(f), im = s.img, h = s.size / 2;
    if (!im || !im.complete) { missed = true; return; }
    ctx.globalAlpha = 1;
    for (var i = 0; i < geom.length; i++) {
      for (var j = 0; j < geom[i].length; j++) ctx.drawImage(im, geom[i][j].x - h, geom[i][j].y - h, s.size, s.size);
    }
  }};
  var P = protomapsL;
  var rules = [
    {dataLayer: {{ this.layer_name }}, filter: function (z, f) { return f.geomType === 3 && shown(f); },
     symbolizer: new P.PolygonSymbolizer({fill: function (z, f) { return st(f).fill; }, opacity: 1,
       stroke: function (z, f) { return st(f).stroke; }, width: function (z, f) { return st(f).weight; }})},
    {dataLayer: {{ this.layer_name }}, filter: function (z, f) { return f.geomType === 2 && shown(f); },
     symbolizer: new P.LineSymbolizer({dash: function (z, f) { return st(f).dash; },
       dashColor: function (z, f) { return st(f).color; }, dashWidth: function (z, f) { return st(f).weight; },
       opacity: function (z, f) { return st(f).opacity; }, lineCap: "round"})},
    {dataLayer: {{ this.layer_name }}, filter: function (z, f) { return f.geomType === 1 && shown(f); },
     symbolizer: stamp}
  ];
  var layer = P.leafletLayer({url: {{ this.url }}, paintRules: rules, labelRules: [],
                               attribution: {{ this.attribution }}, maxDataZoom: {{ this.max_zoom }}});
  // Added at once (streamlit-folium binds clicks to the layers present when it starts); tiles
  // painted before every symbol image was decoded are painted again once they are.
  var ready = Promise.all(Object.keys(IMG).map(function (k) { return IMG[k].decode().catch(function () {}); }))
    .then(function () { if (missed) layer.rerenderTiles(); missed = false; });
  layer.once("load", function () { ready.then(function () { window.__atlasTilesPainted = performance.now(); }); });
  layer.addTo(map);
  var ring = null;
  map.on("click", function (e) {
    var picked = layer.queryTileFeaturesDebug(e.latlng.lng, e.latlng.lat, 12), best = null;
    picked.forEach(function (list) {
      list.forEach(function (pf) {
        if (pf.layerName !== {{ this.layer_name }} || !shown(pf.feature)) return;
        if (!best || pf.feature.geomType < best.feature.geomType) best = pf;
      });
    });
    if (ring) { map.removeLayer(ring); ring = null; }
    if (!best) return;
    var p = best.feature.props;
    var text = p.id + " · " + (CAT[p.category] || p.category);
    ring = L.circleMarker(e.latlng, {radius: 10, color: "#000", weight: 2, fill: false, interactive: false})
      .bindTooltip(text, {direction: "top"}).addTo(map).openTooltip();
    window.__atlasPicked = p.id;
    map.getContainer().setAttribute("data-picked", p.id);
    layer.fire("click", {latlng: e.latlng, sourceTarget: ring, target: layer});
  });
  return layer;
})();
{% endmacro %}
"""
    )

    def __init__(
        self, url: str, *, lang: str = "zh", max_zoom: int = 10, base: str = "/app/static/vendor",
        categories: list[str] | None = None, statuses: list[str] | None = None,
    ) -> None:
        super().__init__()
        self._name = "VectorTileProjects"
        self.url = json.dumps(url)
        self.layer_name = json.dumps(LAYER)
        self.max_zoom = int(max_zoom)
        self.styles = json.dumps(style_table(), separators=(",", ":"))
        self.categories = json.dumps({c: label(CATEGORIES, c, lang=lang) for c in CATEGORIES}, ensure_ascii=False)
        self.attribution = json.dumps(t("app_title", lang), ensure_ascii=False)
        self.allow = json.dumps({"category": categories, "status": statuses})
        self.default_js = [("protomaps-leaflet", f"{base.rstrip('/')}/{PROTOMAPS_JS}")]


def use_tiles(n_projects: int) -> bool:
    """Whether a map of ``n_projects`` drawn projects should use vector tiles (over ``settings.vector_tiles_threshold``)."""
    from geo import settings

    return n_projects > settings.vector_tiles_threshold


def vector_tile_layer(
    url: str, *, lang: str = "zh", max_zoom: int = 10, base: str = "/app/static/vendor",
    categories: list[str] | None = None, statuses: list[str] | None = None,
) -> VectorTileProjects:
    """The projects of a PMTiles archive at ``url`` as a folium element: ``m.add_child(vector_tile_layer(url))``.

    Parameters
    ----------
    url
        Where the browser fetches the archive: :func:`geo.vtiles.tiles_url`
        (``/app/static/tiles/projects.pmtiles`` inside Streamlit).
    lang
        Language of the click tooltip's category label and the attribution.
    max_zoom
        The archive's ``max_zoom`` (:func:`geo.vtiles.build`); deeper zooms
        over-zoom its tiles.
    base
        URL prefix of ``static/vendor`` (as :func:`layers.assets.localize`).
    categories, statuses
        Draw (and let click) only features with these values; ``None`` = all.
        The archive holds every project, so the app's category and status
        filters apply in the browser without rebuilding it (other filters —
        plan, district, year, text — need an archive of the filtered set).
    """
    return VectorTileProjects(url, lang=lang, max_zoom=max_zoom, base=base, categories=categories, statuses=statuses)


def standalone_map(url: str, *, location: tuple[float, float], zoom: int, lang: str = "zh", max_zoom: int = 10, base: str = "/app/static/vendor") -> folium.Map:
    """A bare map (no base tiles) drawing only the archive at ``url``: for tests, benches and checks.

    The Leaflet assets are pointed at ``base`` (:func:`layers.assets.localize`).
    """
    from layers.assets import localize

    m = folium.Map(location=location, zoom_start=zoom, tiles=None, max_zoom=18, control_scale=True)
    m.add_child(vector_tile_layer(url, lang=lang, max_zoom=max_zoom, base=base))
    localize(m, base=base)
    return m
