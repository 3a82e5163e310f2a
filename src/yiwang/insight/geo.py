"""Town outlines for the dashboard's map (乡镇（街道）示意图): simple, plausible polygons built
from a county's towns, so the map needs no online tiles and no surveyed boundaries.

The first town (the lowest code: the demo county's 城关镇, the county seat) is a disc in the
middle, the others sectors of a ring around it in code order. The edges wobble by a function of
the angle only, so neighbours share their borders exactly and the same towns always give the
same map. It is a schematic (示意), not a survey: the page says so.
"""

from __future__ import annotations

import math
from typing import Any

from yiwang.org.models import Region, RegionLevel

# A fictitious spot near Chuzhou (the demo county 341199 is fictitious too).
CENTRE = (118.32, 32.30)
INNER, OUTER = 0.06, 0.18  # degrees
STEPS = 96  # points around the county


def _radius(base: float, angle: float) -> float:
    return base * (1 + 0.09 * math.sin(3 * angle + 0.7) + 0.05 * math.sin(7 * angle + 1.9))


def _point(base: float, step: int) -> list[float]:
    angle = 2 * math.pi * step / STEPS
    r = _radius(base, angle)
    # A degree of longitude is shorter than one of latitude at 32°N.
    return [
        round(CENTRE[0] + r * math.cos(angle) / math.cos(math.radians(CENTRE[1])), 5),
        round(CENTRE[1] + r * math.sin(angle), 5),
    ]


def _feature(name: str, code: str, ring: list[list[float]]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": {"name": name, "code": code},
        "geometry": {"type": "Polygon", "coordinates": [[*ring, ring[0]]]},
    }


def towns_geojson(towns: list[tuple[str, str]]) -> dict[str, Any]:
    """A FeatureCollection with a polygon per (9-digit code, name), properties name and code."""
    features = []
    if towns:
        code, name = towns[0]
        features.append(_feature(name, code, [_point(INNER, s) for s in range(STEPS)]))
    others = towns[1:]
    for i, (code, name) in enumerate(others):
        first = round(i * STEPS / len(others))
        last = round((i + 1) * STEPS / len(others))
        inner = [_point(INNER, s) for s in range(first, last + 1)]
        outer = [_point(OUTER, s) for s in range(last, first - 1, -1)]
        features.append(_feature(name, code, inner + outer))
    return {"type": "FeatureCollection", "features": features}


def county_towns(county_prefix: str) -> list[tuple[str, str]]:
    """The towns (乡镇/街道) of a county (6-digit prefix), by code: (9-digit prefix, name)."""
    rows = Region.objects.filter(level=RegionLevel.TOWN, code__startswith=county_prefix)
    return [(code[:9], name) for code, name in rows.order_by("code").values_list("code", "name")]


def county_prefix_of(scope_prefix: str, department_region: str | None) -> str:
    """The county the reader's map shows: his region's, his department's, else the first
    county on record."""
    for code in (scope_prefix, department_region or ""):
        if len(code) >= 6:
            return code[:6]
    first = Region.objects.filter(level=RegionLevel.COUNTY).order_by("code").first()
    return first.code[:6] if first else ""
