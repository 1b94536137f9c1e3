"""The web map page: HTML built with folium, assets served by our URL scheme."""
