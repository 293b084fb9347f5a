"""Rebuild world-110m.json, the map geometry the app reads (run once per data update).

Source: the npm package world-atlas 2.0.2 (ISC licence; its data is Natural Earth, public
domain): countries-110m.json for the outlines, countries-50m.json only for the position of the
small states the 110m file leaves out (drawn as a dot, so every country has a shape to name).

    cd /tmp && npm pack world-atlas@2 && tar xzf world-atlas-2.0.2.tgz
    .venv/bin/python secretariat/reviews/geodata/build.py /tmp/package

The output maps each ISO 3166-1 alpha-2 code to an SVG path (Natural Earth I projection,
integer coordinates in a WIDTH × HEIGHT box, relative moves) or to a dot [x, y]. The app never
reads the TopoJSON, so the package is no runtime dependency.
"""

from __future__ import annotations

import itertools
import json
import math
import sys
from pathlib import Path
from typing import Any

WIDTH = 1000
OUT = Path(__file__).with_name("world-110m.json")
Point = tuple[float, float]
# Sovereign states in neither file, placed by hand at their capital (lon, lat).
EXTRA_DOTS = {"TV": (179.19, -8.52)}  # Tuvalu, Funafuti


def natural_earth(lon: float, lat: float) -> Point:
    """The Natural Earth I projection (Šavrič et al. 2011), as d3-geo's geoNaturalEarth1Raw."""
    lam, phi = math.radians(lon), math.radians(lat)
    p2 = phi * phi
    p4 = p2 * p2
    x = lam * (0.8707 - 0.131979 * p2 + p4 * (-0.013791 + p4 * (0.003971 * p2 - 0.001529 * p4)))
    y = phi * (1.007226 + p2 * (0.015085 + p4 * (-0.044475 + 0.028874 * p2 - 0.005916 * p4)))
    return x, y


# The projected world spans x in ±2.7207 and y in ±1.4224 (at ±90°); latitudes below -60°
# (Antarctica) are dropped, so the box starts there.
X_EXTENT = natural_earth(180, 0)[0]
Y_TOP, Y_BOTTOM = natural_earth(0, 84)[1], natural_earth(0, -60)[1]
SCALE = WIDTH / (2 * X_EXTENT)
HEIGHT = round((Y_TOP - Y_BOTTOM) * SCALE)


def to_box(lon: float, lat: float) -> tuple[int, int]:
    x, y = natural_earth(lon, lat)
    return round((x + X_EXTENT) * SCALE), round((Y_TOP - y) * SCALE)


def decode_arcs(topo: dict[str, Any]) -> list[list[Point]]:
    """TopoJSON arcs are delta-encoded integers; the transform makes them degrees."""
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def ring(indices: list[int], arcs: list[list[Point]]) -> list[Point]:
    points: list[Point] = []
    for i in indices:
        arc = arcs[i] if i >= 0 else arcs[~i][::-1]  # a negative index is the arc reversed
        points.extend(arc if not points else arc[1:])
    return points


def unwrapped(r: list[Point]) -> list[list[Point]]:
    """A ring that crosses the antimeridian (Russia, Fiji) jumps by ~360° of longitude; made
    continuous, it runs past ±180°, so it is drawn twice, shifted by 360°, and the map's box
    clips each copy to its side of the world."""
    out = [r[0]]
    for lon, lat in r[1:]:
        previous = out[-1][0]
        while lon - previous > 180:
            lon -= 360
        while lon - previous < -180:
            lon += 360
        out.append((lon, lat))
    low, high = min(p[0] for p in out), max(p[0] for p in out)
    if low >= -180 and high <= 180:
        return [r]
    shift = -360 if high > 180 else 360
    return [out, [(lon + shift, lat) for lon, lat in out]]


def polygons(geometry: dict[str, Any]) -> list[list[list[int]]]:
    if geometry["type"] == "Polygon":
        return [geometry["arcs"]]
    if geometry["type"] == "MultiPolygon":
        return geometry["arcs"]
    return []


def path_of(rings: list[list[Point]]) -> str:
    """Relative SVG path of rings in the box; rings that shrink to under three points at
    this resolution are dropped (islands smaller than a unit)."""
    parts = []
    cursor = (0, 0)
    for r in rings:
        points: list[tuple[int, int]] = []
        for lon, lat in r:
            p = to_box(lon, max(lat, -60))
            if not points or p != points[-1]:
                points.append(p)
        if len(points) > 1 and points[0] == points[-1]:
            points.pop()
        if len(points) < 3:
            continue
        (x0, y0) = points[0]
        segment = [f"m{x0 - cursor[0]} {y0 - cursor[1]}"]
        deltas = [f"{x - px} {y - py}" for (px, py), (x, y) in itertools.pairwise(points)]
        segment.append("l" + " ".join(deltas) + "z")
        parts.append("".join(segment))
        cursor = (x0, y0)  # after "z" the current point is the ring's start
    return "".join(parts)


def centre(rings: list[list[Point]]) -> tuple[int, int]:
    largest = max(rings, key=len)
    lon = sum(p[0] for p in largest) / len(largest)
    lat = sum(p[1] for p in largest) / len(largest)
    return to_box(lon, lat)


def features(topo: dict[str, Any]) -> dict[str, list[list[Point]]]:
    arcs = decode_arcs(topo)
    out: dict[str, list[list[Point]]] = {}
    for g in topo["objects"]["countries"]["geometries"]:
        if "id" not in g:
            continue  # territories without an ISO code (Kosovo, N. Cyprus, Somaliland)
        rings = [piece for poly in polygons(g) for r in poly for piece in unwrapped(ring(r, arcs))]
        out.setdefault(g["id"], []).extend(rings)
    return out


def alpha2_by_numeric() -> dict[str, str]:
    from django.conf import settings

    settings.configure()
    from django_countries import countries

    return {
        f"{numeric:03d}": code for code, (_a3, numeric) in countries.alt_codes.items() if numeric
    }


def main(package: Path) -> None:
    codes = alpha2_by_numeric()
    coarse = features(json.loads((package / "countries-110m.json").read_text()))
    fine = features(json.loads((package / "countries-50m.json").read_text()))
    shapes: dict[str, Any] = {}
    for numeric, rings in coarse.items():
        code = codes.get(numeric)
        if code and code != "AQ":
            d = path_of(rings)
            shapes[code] = d if d else list(centre(rings))
    for numeric, rings in fine.items():
        code = codes.get(numeric)
        if code and code != "AQ" and code not in shapes:
            shapes[code] = list(centre(rings))  # too small for the 110m outlines: a dot
    for code, (lon, lat) in EXTRA_DOTS.items():
        shapes.setdefault(code, list(to_box(lon, lat)))
    data = {
        "source": "world-atlas 2.0.2 (ISC), Natural Earth 1:110m and 1:50m (public domain)",
        "projection": "Natural Earth I",
        "width": WIDTH,
        "height": HEIGHT,
        "shapes": dict(sorted(shapes.items())),
    }
    OUT.write_text(json.dumps(data, separators=(",", ":")) + "\n")
    print(f"{len(shapes)} shapes, {OUT.stat().st_size} bytes -> {OUT}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/package"))
