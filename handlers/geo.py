"""Places: geohash cells (the `nearby:<geohash5>` channels), distances, bounding boxes."""

from __future__ import annotations

import math

from handlers.errors import FieldError, Invalid

__all__ = ["geohash", "cell_centre", "haversine_km", "bounding_box", "parse_coordinates", "EARTH_RADIUS_KM"]

EARTH_RADIUS_KM = 6371.0088
_BASE32 = "0123456789bcdefghjkmnpqrstuvwxyz"


def geohash(latitude: float, longitude: float, precision: int = 5) -> str:
    """The geohash of a point; 5 characters is a cell of about 5 km x 5 km."""
    lat_range, lon_range = [-90.0, 90.0], [-180.0, 180.0]
    chars: list[str] = []
    bits, bit_count, even = 0, 0, True
    while len(chars) < precision:
        rng, value = (lon_range, longitude) if even else (lat_range, latitude)
        mid = (rng[0] + rng[1]) / 2
        bits <<= 1
        if value >= mid:
            bits |= 1
            rng[0] = mid
        else:
            rng[1] = mid
        even = not even
        bit_count += 1
        if bit_count == 5:
            chars.append(_BASE32[bits])
            bits, bit_count = 0, 0
    return "".join(chars)


def cell_centre(cell: str) -> tuple[float, float]:
    """(latitude, longitude) of the centre of a geohash cell: a place no finer than the cell.

    Raises:
        ValueError: `cell` is not a geohash.
    """
    lat_range, lon_range = [-90.0, 90.0], [-180.0, 180.0]
    even = True
    for char in cell:
        bits = _BASE32.index(char)
        for shift in range(4, -1, -1):
            rng = lon_range if even else lat_range
            mid = (rng[0] + rng[1]) / 2
            if bits >> shift & 1:
                rng[0] = mid
            else:
                rng[1] = mid
            even = not even
    return (lat_range[0] + lat_range[1]) / 2, (lon_range[0] + lon_range[1]) / 2


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(latitude: float, longitude: float, radius_km: float
                 ) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) enclosing the circle (whole longitudes near poles)."""
    dlat = math.degrees(radius_km / EARTH_RADIUS_KM)
    cos_lat = math.cos(math.radians(latitude))
    dlon = 180.0 if cos_lat < 1e-6 else min(180.0, math.degrees(radius_km / (EARTH_RADIUS_KM * cos_lat)))
    return (max(-90.0, latitude - dlat), min(90.0, latitude + dlat),
            max(-180.0, longitude - dlon), min(180.0, longitude + dlon))


def _number(value: object, field: str) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise Invalid(f"{field} must be a number", code="invalid_coordinates",
                      fields=[FieldError(("query", field), "must be a number")]) from exc
    if math.isnan(number) or math.isinf(number):
        raise Invalid(f"{field} must be a number", code="invalid_coordinates",
                      fields=[FieldError(("query", field), "must be a number")])
    return number


def parse_coordinates(latitude: object, longitude: object) -> tuple[float, float] | None:
    """Both given and valid, or both absent (None); anything else is Invalid."""
    if latitude in (None, "") and longitude in (None, ""):
        return None
    lat, lon = _number(latitude, "latitude"), _number(longitude, "longitude")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise Invalid("latitude must be within [-90, 90] and longitude within [-180, 180]",
                      code="invalid_coordinates")
    return lat, lon
