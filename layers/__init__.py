"""folium layers, styles, base maps and local assets. No Streamlit here."""
