"""xjwc_desktop: desktop GIS of the grid management center of 新江湾城街道 (Yangpu, Shanghai)."""

__version__ = "0.1.0"
