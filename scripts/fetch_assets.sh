#!/usr/bin/env bash
# Fetch the map's front-end assets from npm (pinned by frontend/package-lock.json)
# and copy them to static/vendor, which Streamlit serves at /app/static/vendor.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -f static/vendor/.complete ] && [ static/vendor/.complete -nt frontend/package-lock.json ]; then
  exit 0
fi
( cd frontend && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error )
nm=frontend/node_modules
out=static/vendor
rm -rf "$out"
mkdir -p "$out"/{leaflet,jquery,bootstrap,fontawesome,awesome-markers,markercluster,fullscreen,groupedlayercontrol,protomaps,leaflet-draw}
cp -r "$nm"/leaflet/dist/. "$out"/leaflet/
cp "$nm"/jquery/dist/jquery.min.js "$out"/jquery/
cp "$nm"/bootstrap/dist/js/bootstrap.bundle.min.js "$nm"/bootstrap/dist/css/bootstrap.min.css "$out"/bootstrap/
cp -r "$nm"/@fortawesome/fontawesome-free/css "$nm"/@fortawesome/fontawesome-free/webfonts "$out"/fontawesome/
cp -r "$nm"/leaflet.awesome-markers/dist/. "$out"/awesome-markers/
cp -r "$nm"/leaflet.markercluster/dist/. "$out"/markercluster/
cp "$nm"/leaflet.fullscreen/Control.FullScreen.css "$nm"/leaflet.fullscreen/Control.FullScreen.js "$nm"/leaflet.fullscreen/icon-fullscreen.svg "$out"/fullscreen/
cp -r "$nm"/leaflet-groupedlayercontrol/dist/. "$out"/groupedlayercontrol/
# protomaps-leaflet: draws PMTiles vector tiles (national-scale map, layers/vector_tiles.py).
cp "$nm"/protomaps-leaflet/dist/protomaps-leaflet.js "$nm"/protomaps-leaflet/LICENSE "$out"/protomaps/ 2>/dev/null || cp "$nm"/protomaps-leaflet/dist/protomaps-leaflet.js "$out"/protomaps/
# leaflet-draw: the workbench's edit mode on the map (folium.plugins.Draw, layers/edit.py).
cp -r "$nm"/leaflet-draw/dist/leaflet.draw.js "$nm"/leaflet-draw/dist/leaflet.draw.css "$nm"/leaflet-draw/dist/images "$out"/leaflet-draw/
touch "$out"/.complete
echo "assets in $out ($(du -sh "$out" | cut -f1))"
