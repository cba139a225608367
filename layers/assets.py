"""Serve Leaflet, jQuery, Bootstrap, Font Awesome and plugins from the app itself.

folium points at CDNs; offline, or where CDNs are slow or blocked, a
streamlit-folium map is then an empty frame. :func:`localize` rewrites a map's
(and its plugins') asset links to the copies that ``scripts/fetch_assets.sh``
puts in ``static/vendor`` (served by Streamlit at ``/app/static/vendor``).
``settings.assets_mode = "cdn"`` keeps folium's CDN links.
"""

from __future__ import annotations

import folium

from geo import settings

#: folium asset name → path below static/vendor. Names folium uses across its
#: Map and the plugins we use; an asset missing here keeps its CDN link and is
#: caught by the test that lists every link of a rendered map.
LOCAL_ASSETS: dict[str, str] = {
    "leaflet": "leaflet/leaflet.js",
    "jquery": "jquery/jquery.min.js",
    "bootstrap": "bootstrap/bootstrap.bundle.min.js",
    "awesome_markers": "awesome-markers/leaflet.awesome-markers.js",
    "leaflet_css": "leaflet/leaflet.css",
    "bootstrap_css": "bootstrap/bootstrap.min.css",
    "awesome_markers_font_css": "fontawesome/css/all.min.css",
    "awesome_markers_css": "awesome-markers/leaflet.awesome-markers.css",
    "markerclusterjs": "markercluster/leaflet.markercluster.js",
    "markerclustercss": "markercluster/MarkerCluster.css",
    "markerclusterdefaultcss": "markercluster/MarkerCluster.Default.css",
    "Control.Fullscreen.js": "fullscreen/Control.FullScreen.js",
    "Control.FullScreen.css": "fullscreen/Control.FullScreen.css",
    "leaflet.groupedlayercontrol.min.js": "groupedlayercontrol/leaflet.groupedlayercontrol.min.js",
    "leaflet.groupedlayercontrol.min.css": "groupedlayercontrol/leaflet.groupedlayercontrol.min.css",
    "leaflet_draw_js": "leaflet-draw/leaflet.draw.js",
    "leaflet_draw_css": "leaflet-draw/leaflet.draw.css",
}
#: folium defaults no Atlas map uses (no popups, no folium or Font Awesome icons, no Bootstrap markup):
#: jQuery, Bootstrap, awesome markers and Font Awesome. Not loading them takes 8 of the map frame's
#: 13 requests and ~480 kB of JS/CSS parsing off the first paint (docs/DECISIONS.md).
DROPPED_ASSETS = {"glyphicons_css", "awesome_rotate_css", "jquery", "bootstrap", "bootstrap_css", "awesome_markers", "awesome_markers_css", "awesome_markers_font_css"}


def asset_url(relative: str, *, base: str) -> str:
    return f"{base.rstrip('/')}/{relative}"


def localize(element: folium.Element, *, base: str = "/app/static/vendor") -> None:
    """Point ``element``'s and its children's JS/CSS links at local copies (in place).

    ``base`` is the URL prefix of ``static/vendor``: ``/app/static/vendor``
    inside Streamlit, a relative or ``file://`` path for a standalone HTML file.
    Assets in :data:`DROPPED_ASSETS` are removed in both modes.
    """
    local = settings.assets_mode != "cdn"
    stack = [element]
    while stack:
        el = stack.pop()
        for attr in ("default_js", "default_css"):
            links = getattr(el, attr, None)
            if links:
                setattr(
                    el,
                    attr,
                    [(name, asset_url(LOCAL_ASSETS[name], base=base) if local and name in LOCAL_ASSETS else url) for name, url in links if name not in DROPPED_ASSETS],
                )
        stack.extend(getattr(el, "_children", {}).values())


def icon_path_script(base: str = "/app/static/vendor") -> str:
    """Leaflet's default marker images 404 inside st_folium unless the path is set explicitly."""
    return f"L.Icon.Default.imagePath = '{base}/leaflet/images/';"


def _data_uri(path) -> str | None:
    """A small image as a ``url(data:…)`` CSS value, or None if it is missing or large."""
    import base64

    if not path.exists() or path.stat().st_size > 100_000:
        return None
    mime = "image/svg+xml" if path.suffix == ".svg" else "image/png"
    return f"url(data:{mime};base64,{base64.b64encode(path.read_bytes()).decode()})"


def inline_local_assets(page_html: str, *, base: str = "/app/static/vendor") -> str:
    """Make a rendered map page self-contained: local ``<script src>`` and stylesheet
    ``<link>`` tags become inline ``<script>``/``<style>`` blocks, so the file opens
    anywhere, offline, with no server. Assets outside ``base`` are left as they are.
    (Font Awesome's web fonts are not inlined; the map uses no icon fonts.)
    """
    import re

    def read(url: str) -> str | None:
        if not url.startswith(base + "/"):
            return None
        path = settings.vendor_dir / url[len(base) + 1 :]
        return path.read_text(encoding="utf-8") if path.exists() else None

    def script(m: re.Match) -> str:
        text = read(m.group(1))
        return m.group(0) if text is None else "<script>" + text.replace("</script", "<\\/script") + "</script>"

    def style(m: re.Match) -> str:
        text = read(m.group(1))
        if text is None:
            return m.group(0)
        folder = (settings.vendor_dir / m.group(1)[len(base) + 1 :]).parent
        return "<style>" + re.sub(r"url\((['\"]?)([^)'\"]+\.(?:svg|png))\1\)", lambda u: _data_uri(folder / u.group(2)) or u.group(0), text) + "</style>"

    page_html = re.sub(r'<script src="([^"]+)"></script>', script, page_html)
    return re.sub(r'<link rel="stylesheet" href="([^"]+)"\s*/>', style, page_html)
