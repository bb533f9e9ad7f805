"""Reading Kworb's charts from a file: the CSV of a chart, or the HTML of a kworb.net page as
a browser saves it (top streamed artists `spotify/artists.html`, monthly listeners
`spotify/listeners.html`, top songs `spotify/songs.html`). Columns are found by their header,
in Kworb's words or the API's; numbers are read as printed (thousands separators dropped)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

from handlers.errors import Invalid
from store.interface import ChartRepo
from store.records import ChartRow

__all__ = ["CHARTS", "ChartFileError", "parse_table", "rows_of", "guess_chart", "load_chart"]

CHARTS = ("top_streamed_artists", "monthly_listeners", "top_songs")
# header (lower case, spaces and punctuation squeezed) -> field
HEADERS = {
    "rank": "rank", "#": "rank", "pos": "rank", "position": "rank",
    "artist": "artist", "artistandtitle": "artist_title", "artist_title": "artist_title",
    "title": "title", "song": "title", "track": "title",
    "streams": "streams", "total": "streams", "daily": "daily",
    "aslead": "as_lead", "as_lead": "as_lead", "lead": "as_lead", "solo": "solo",
    "asfeature": "as_feature", "as_feature": "as_feature", "feature": "as_feature",
    "listeners": "listeners", "monthlylisteners": "listeners",
    "pklisteners": "peak", "peaklisteners": "peak", "peak": "peak",
    "pkdate": "peak_date", "peakdate": "peak_date", "peak_date": "peak_date",
    "scraped_at": "scraped_at", "scrapedat": "scraped_at",
}
INTEGER_FIELDS = ("rank", "streams", "daily", "as_lead", "solo", "as_feature", "listeners",
                  "peak")
MAX_ROWS = 100_000


class ChartFileError(Invalid):
    """The file is not a chart Chorus can read."""


class _Tables(HTMLParser):
    """The rows (cell texts) of the first table that has header cells."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[list[str]] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._done:
            return
        if tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if self._done:
            return
        if tag in ("td", "th") and self._row is not None and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if self._row:
                self.rows.append(self._row)
            self._row = None
        elif tag == "table" and self.rows:
            self._done = True

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def parse_table(text: str) -> list[list[str]]:
    """Rows of cells of a CSV file or of the first table of an HTML page."""
    if re.search(r"<table[\s>]", text[:200_000], re.IGNORECASE):
        parser = _Tables()
        parser.feed(text)
        return parser.rows
    return [row for row in csv.reader(io.StringIO(text)) if any(c.strip() for c in row)]


def _key(header: str) -> str | None:
    squeezed = re.sub(r"[\s.\-/()]+", "", header.strip().lower())
    return HEADERS.get(squeezed) or HEADERS.get(header.strip().lower())


def guess_chart(headers: Sequence[str]) -> str:
    fields = {_key(h) for h in headers}
    if "title" in fields or "artist_title" in fields:
        return "top_songs"
    if "listeners" in fields:
        return "monthly_listeners"
    return "top_streamed_artists"


def _number(value: str) -> int | None:
    text = value.strip().replace(",", "").replace("\u202f", "").replace(" ", "")
    if not text or text in ("-", "—"):
        return None
    try:
        return round(float(text))
    except ValueError:
        return None


def rows_of(table: list[list[str]], chart: str, scraped_at: str) -> list[ChartRow]:
    """ChartRows from a table whose first row is its header; rank from the row's place when
    the table has none."""
    if not table:
        raise ChartFileError("The file holds no table", code="chart_empty")
    fields = [_key(h) for h in table[0]]
    if "artist" not in fields and "artist_title" not in fields:
        raise ChartFileError("No Artist column in the table's header", code="chart_no_artist")
    found = []
    for place, cells in enumerate(table[1:MAX_ROWS + 1], start=1):
        values = {f: c for f, c in zip(fields, cells, strict=False) if f}
        if "artist_title" in values:
            artist, _, title = values.pop("artist_title").partition(" - ")
            values.setdefault("artist", artist)
            values.setdefault("title", title)
        if not values.get("artist", "").strip():
            continue
        numbers = {f: _number(values[f]) for f in INTEGER_FIELDS if f in values}
        found.append(ChartRow(
            rank=numbers.pop("rank", None) or place, artist=values["artist"].strip(),
            title=(values.get("title") or "").strip() or None if chart == "top_songs" else None,
            scraped_at=values.get("scraped_at") or scraped_at,
            peak_date=values.get("peak_date") or None, **numbers))
    return found


async def load_chart(charts: ChartRepo, path: Path, chart: str | None = None,
                     scraped_at: str | None = None) -> tuple[str, int]:
    """Replace a chart by the file's rows; (the chart, rows loaded). `scraped_at` defaults to
    the file's modification time."""
    text = path.read_text(encoding="utf-8", errors="replace")
    table = parse_table(text)
    name = chart or guess_chart(table[0] if table else [])
    if name not in CHARTS:
        raise ChartFileError(f"Unknown chart {name!r}; one of {', '.join(CHARTS)}",
                             code="chart_unknown")
    when = scraped_at or datetime.fromtimestamp(path.stat().st_mtime, UTC).replace(
        tzinfo=None, microsecond=0).isoformat()
    rows = rows_of(table, name, when)
    return name, await charts.replace(name, rows)
