"""The land red-line boundary of a project (用地红线, 001 §10): a GeoJSON polygon (RFC 7946) in
longitude/latitude (CGCS2000 ≈ WGS 84), checked before it is kept. Plain Python.

Accepted: a ``Polygon`` or ``MultiPolygon`` geometry, or a ``Feature`` / one-feature
``FeatureCollection`` holding one. Each ring has at least four positions, is closed (first = last),
has numeric longitude in [-180, 180] and latitude in [-90, 90], does not cross itself, and encloses
an area; holes lie inside their outer ring. The area is computed on the sphere (m²).
"""
import math

from platform_kit.errors import ValidationFailed

EARTH_RADIUS_M = 6_378_137.0
MAX_POSITIONS = 5000


def _fail(message, field="geometry"):
    raise ValidationFailed("用地红线不是有效的面（GeoJSON Polygon）", [{"field": field, "message": message}])


def geometry_of(value):
    """The Polygon or MultiPolygon geometry inside `value` (a geometry, Feature or FeatureCollection)."""
    if not isinstance(value, dict):
        _fail("应为 GeoJSON 对象")
    kind = value.get("type")
    if kind == "FeatureCollection":
        features = value.get("features") or []
        if len(features) != 1:
            _fail("FeatureCollection 须恰好包含一个要素")
        return geometry_of(features[0])
    if kind == "Feature":
        return geometry_of(value.get("geometry"))
    if kind not in ("Polygon", "MultiPolygon"):
        _fail(f"几何类型须为 Polygon 或 MultiPolygon，而不是 {kind!r}")
    return value


def _ring(ring, where):
    if not isinstance(ring, list) or len(ring) < 4:
        _fail(f"{where} 至少需要 4 个坐标点（首尾相同）")
    points = []
    for position in ring:
        if (not isinstance(position, list) or len(position) < 2
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in position[:2])):
            _fail(f"{where} 的坐标应为 [经度, 纬度] 数值")
        lon, lat = float(position[0]), float(position[1])
        if not (-180 <= lon <= 180 and -90 <= lat <= 90) or math.isnan(lon) or math.isnan(lat):
            _fail(f"{where} 的坐标超出经纬度范围：{position[:2]}")
        points.append((lon, lat))
    if points[0] != points[-1]:
        _fail(f"{where} 未闭合（首尾坐标须相同）")
    if len(set(points[:-1])) < 3:
        _fail(f"{where} 至少需要 3 个不同的顶点")
    _no_self_crossing(points, where)
    return points


def _orientation(a, b, c):
    value = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
    return 0 if abs(value) < 1e-15 else (1 if value > 0 else -1)


def _on_segment(a, b, p):
    return min(a[0], b[0]) <= p[0] <= max(a[0], b[0]) and min(a[1], b[1]) <= p[1] <= max(a[1], b[1])


def _crosses(p1, p2, q1, q2):
    o1, o2, o3, o4 = _orientation(p1, p2, q1), _orientation(p1, p2, q2), _orientation(q1, q2, p1), _orientation(q1, q2, p2)
    if o1 != o2 and o3 != o4:
        return True
    return ((o1 == 0 and _on_segment(p1, p2, q1)) or (o2 == 0 and _on_segment(p1, p2, q2))
            or (o3 == 0 and _on_segment(q1, q2, p1)) or (o4 == 0 and _on_segment(q1, q2, p2)))


def _no_self_crossing(points, where):
    edges = list(zip(points, points[1:]))
    n = len(edges)
    for i in range(n):
        for j in range(i + 1, n):
            if j == i + 1 or (i == 0 and j == n - 1):     # neighbours share a vertex
                continue
            if _crosses(*edges[i], *edges[j]):
                _fail(f"{where} 自相交（第 {i + 1} 条边与第 {j + 1} 条边）")


def _inside(point, ring):
    x, y = point
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:]):
        if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
            inside = not inside
    return inside


def ring_area_m2(ring):
    """Area enclosed by a lon/lat ring on the sphere (m², unsigned)."""
    total = 0.0
    for (lon1, lat1), (lon2, lat2) in zip(ring, ring[1:]):
        total += math.radians(lon2 - lon1) * (2 + math.sin(math.radians(lat1)) + math.sin(math.radians(lat2)))
    return abs(total * EARTH_RADIUS_M ** 2 / 2)


def check(value):
    """(geometry, area in m²) of a valid boundary; ValidationFailed naming what is wrong otherwise."""
    geometry = geometry_of(value)
    coordinates = geometry.get("coordinates")
    polygons = [coordinates] if geometry["type"] == "Polygon" else coordinates
    if not isinstance(polygons, list) or not polygons:
        _fail("缺少坐标 coordinates")
    area = 0.0
    count = 0
    for p, polygon in enumerate(polygons, start=1):
        if not isinstance(polygon, list) or not polygon:
            _fail(f"第 {p} 个面缺少外环")
        rings = [_ring(ring, f"第 {p} 个面第 {r} 环") for r, ring in enumerate(polygon, start=1)]
        count += sum(len(r) for r in rings)
        if count > MAX_POSITIONS:
            _fail(f"坐标点过多（不超过 {MAX_POSITIONS} 个）")
        outer = ring_area_m2(rings[0])
        if outer < 1.0:
            _fail(f"第 {p} 个面的面积为零")
        for r, hole in enumerate(rings[1:], start=2):
            if not all(_inside(point, rings[0]) for point in hole[:-1]):
                _fail(f"第 {p} 个面第 {r} 环（洞）不在外环之内")
            outer -= ring_area_m2(hole)
        area += outer
    return {"type": geometry["type"], "coordinates": coordinates}, round(area, 1)
