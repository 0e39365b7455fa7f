"""Rough country centres, enough to tell which warehouse is nearer to a customer."""

from __future__ import annotations

import math

# (latitude, longitude) of a central point of each country.
CENTRES: dict[str, tuple[float, float]] = {
    "AT": (47.6, 14.1), "BE": (50.6, 4.6), "BG": (42.7, 25.3), "CH": (46.8, 8.2),
    "CY": (35.0, 33.2), "CZ": (49.8, 15.5), "DE": (51.2, 10.4), "DK": (56.0, 10.0),
    "EE": (58.6, 25.0), "ES": (40.2, -3.6), "FI": (64.0, 26.0), "FR": (46.6, 2.4),
    "GB": (54.0, -2.5), "GR": (39.1, 22.0), "HR": (45.1, 15.2), "HU": (47.2, 19.4),
    "IE": (53.2, -8.2), "IT": (42.8, 12.6), "LT": (55.2, 23.9), "LU": (49.8, 6.1),
    "LV": (56.9, 24.6), "MT": (35.9, 14.4), "NL": (52.2, 5.5), "NO": (61.0, 9.0),
    "PL": (52.1, 19.4), "PT": (39.6, -8.0), "RO": (45.9, 24.9), "SE": (62.0, 15.0),
    "SI": (46.1, 14.8), "SK": (48.7, 19.7), "US": (39.8, -98.6), "CA": (56.1, -106.3),
    "JP": (36.2, 138.3), "AU": (-25.3, 133.8),
}  # fmt: skip

FAR_AWAY_KM = 40_000.0  # farther than any two points on Earth: unknown countries sort last


def distance_km(country_a: str, country_b: str) -> float:
    if country_a == country_b:
        return 0.0
    a, b = CENTRES.get(country_a), CENTRES.get(country_b)
    if a is None or b is None:
        return FAR_AWAY_KM
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))
