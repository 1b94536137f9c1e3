"""Plausible case positions: most spread over the street, some at known trouble spots."""

from __future__ import annotations

import numpy as np

from xjwc_desktop.core.geo.mapdata import MapData

# Trouble spots the work report names (DOMAIN.md), as (lon, lat, spread in metres, weight).
# 国权北路 corridor: fruit stalls and parking; 国伟路: the car-wash noise complaints.
HOTSPOTS = [
    (121.4962, 31.3335, 120.0, 3.0),
    (121.4990, 31.3390, 120.0, 2.0),
    (121.5226, 31.3334, 60.0, 2.0),  # 国伟路 meets the boundary here
]
M_PER_DEG_LAT = 111_320.0
M_PER_DEG_LON = 111_320.0 * np.cos(np.radians(31.33))


def sample_positions(
    rng: np.random.Generator,
    maps: MapData,
    zones: np.ndarray | None,
    n: int,
    anchors: list[tuple[float, float]] = (),
    hotspot_share: float = 0.3,
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points inside the street (and inside patrol zone ``zones[i]`` unless "").

    A ``hotspot_share`` of the points cluster around the named trouble spots and the
    ``anchors`` (compounds); the rest are uniform. Points that miss are redrawn.
    """
    spots = list(HOTSPOTS) + [(lon, lat, 80.0, 1.0) for lon, lat in anchors]
    weights = np.array([s[3] for s in spots], dtype=float)
    weights /= weights.sum()
    spot_centres = np.array([s[:3] for s in spots], dtype=float)
    x0, y0, x1, y1 = maps.boundary.bounds
    lon = np.empty(n)
    lat = np.empty(n)
    todo = np.arange(n)
    while todo.size:
        k = todo.size
        near = rng.random(k) < hotspot_share
        which = rng.choice(len(spots), size=k, p=weights)
        centre = spot_centres[which]
        # Rounded before the test: rounding after it could push an edge point outside.
        cand_lon = np.round(np.where(
            near, centre[:, 0] + rng.normal(0, 1, k) * centre[:, 2] / M_PER_DEG_LON,
            rng.uniform(x0, x1, k)), 6)
        cand_lat = np.round(np.where(
            near, centre[:, 1] + rng.normal(0, 1, k) * centre[:, 2] / M_PER_DEG_LAT,
            rng.uniform(y0, y1, k)), 6)
        got = maps.zone_of(cand_lon, cand_lat)
        ok = got != ""
        if zones is not None:
            ok &= (zones[todo] == "") | (got == zones[todo])
        lon[todo[ok]] = cand_lon[ok]
        lat[todo[ok]] = cand_lat[ok]
        todo = todo[~ok]
    return lon, lat
