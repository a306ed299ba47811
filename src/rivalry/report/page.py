"""A small builder for self-contained HTML report pages.

A :class:`Page` is a title plus a list of :class:`Section` s; a section holds, in order, blocks of
plain text (a ``str``), bullet lists (:class:`Bullets`), plotly figures (:class:`Plot`) and tables
(:class:`Table`). :func:`render_page` turns it into one HTML string that works offline: plotly.js is
inlined exactly once in the ``<head>`` and every figure is drawn from its own JSON. All text is
HTML-escaped (jinja2 autoescape); output is deterministic (figure ids are derived from positions),
so regenerating a report from the same files gives the same bytes.

Example::

    page = Page("My experiment", subtitle="model: gpt2")
    sec = page.section("Summary", highlight=True)
    sec.text("Plain-language explanation.")
    sec.plot(fig, caption="What the figure shows.")
    sec.table([{"site": "L3H5", "effect": -0.41}], caption="Top sites.")
    write_page(page, run_dir / "report.html")
"""

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import plotly.graph_objects as go
from markupsafe import Markup
from plotly.offline import get_plotlyjs

from rivalry.io.atomic import json_ready
from rivalry.report.template import STYLE, TEMPLATE

NA = "n/a"
_PLOT_CONFIG = {"responsive": True, "displaylogo": False, "toImageButtonOptions": {"format": "svg"}}
# Characters that must not appear raw inside an inline <script>; JSON allows them only in strings.
_SCRIPT_UNSAFE = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


@dataclass(frozen=True)
class Bullets:
    """A bulleted list of plain-text items."""

    items: list[str]


@dataclass(frozen=True)
class Plot:
    """A plotly figure with an optional caption shown under it."""

    figure: go.Figure
    caption: str | None = None


@dataclass(frozen=True)
class Table:
    """A table from a list of row dicts.

    ``columns`` picks and orders the columns (default: keys in first-seen order). Cells are formatted
    with :func:`format_value`; a missing key shows as ``n/a``. ``empty_text`` replaces an empty table.
    """

    rows: list[dict[str, Any]]
    columns: list[str] | None = None
    caption: str | None = None
    empty_text: str = "Nothing to show."


Block = str | Bullets | Plot | Table


@dataclass
class Section:
    """A titled card on the page; ``highlight`` gives it an accent (use it for the summary)."""

    heading: str
    blocks: list[Block] = field(default_factory=list)
    highlight: bool = False

    def text(self, *paragraphs: str) -> "Section":
        """Append one paragraph per argument."""
        self.blocks.extend(paragraphs)
        return self

    def bullets(self, items: list[str]) -> "Section":
        """Append a bulleted list."""
        self.blocks.append(Bullets(list(items)))
        return self

    def plot(self, figure: go.Figure, caption: str | None = None) -> "Section":
        """Append a plotly figure."""
        self.blocks.append(Plot(figure, caption))
        return self

    def table(
        self,
        rows: list[dict[str, Any]],
        columns: list[str] | None = None,
        caption: str | None = None,
        empty_text: str = "Nothing to show.",
    ) -> "Section":
        """Append a table built from row dicts."""
        self.blocks.append(Table(list(rows), columns, caption, empty_text))
        return self


@dataclass
class Page:
    """A whole report page: title, optional subtitle and footer, and sections in order."""

    title: str
    sections: list[Section] = field(default_factory=list)
    subtitle: str | None = None
    footer: str | None = None

    def html(self) -> str:
        """The page as one self-contained HTML string (see :func:`render_page`)."""
        return render_page(self)

    def write(self, path: Path | str) -> Path:
        """Render the page into ``path`` (see :func:`write_page`); returns the path."""
        return write_page(self, path)

    def section(self, heading: str, highlight: bool = False) -> Section:
        """Create, append and return a new section."""
        sec = Section(heading, highlight=highlight)
        self.sections.append(sec)
        return sec


def is_number(value: Any) -> bool:
    """True for ints and floats (not bools), including NaN."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def format_value(value: Any) -> str:
    """Format one table cell: ``n/a`` for None/NaN/inf, 4 significant digits, scientific when tiny or huge."""
    if value is None:
        return NA
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return NA
        if value == 0:
            return "0"
        if abs(value) >= 1e5 or abs(value) < 1e-3:
            return f"{value:.3e}"
        return f"{value:.4g}"
    if isinstance(value, dict | list | tuple):
        return json.dumps(json_ready(value), default=str, allow_nan=False)
    return str(value)


def _anchor(heading: str, index: int, used: set[str]) -> str:
    """A unique, URL-safe id for a section heading."""
    slug = re.sub(r"[^a-z0-9]+", "-", heading.lower()).strip("-") or f"section-{index}"
    anchor, n = slug, 2
    while anchor in used:
        anchor, n = f"{slug}-{n}", n + 1
    used.add(anchor)
    return anchor


def figure_json(figure: go.Figure) -> Markup:
    """The figure as JSON that is safe to place inside an inline ``<script>``."""
    text = figure.to_json()
    for char, escaped in _SCRIPT_UNSAFE.items():
        text = text.replace(char, escaped)
    return Markup(text)


def _table_context(table: Table) -> dict[str, Any]:
    columns = list(table.columns) if table.columns is not None else []
    if table.columns is None:
        for row in table.rows:
            columns.extend(k for k in row if k not in columns)
    # A column is numeric (right-aligned header) when every present value is a number.
    numeric = {
        c: all(is_number(r[c]) for r in table.rows if r.get(c) is not None)
        and any(r.get(c) is not None for r in table.rows)
        for c in columns
    }
    rows = []
    for row in table.rows:
        cells = []
        for c in columns:
            value = row.get(c)
            text = format_value(value)
            css = ["num"] if numeric[c] else []
            css += ["na"] if text == NA else []
            cells.append({"text": text, "css": " ".join(css)})
        rows.append(cells)
    return {
        "kind": "table",
        "columns": [{"name": c, "numeric": numeric[c]} for c in columns],
        "rows": rows,
        "caption": table.caption,
        "empty_text": table.empty_text,
    }


def _block_context(block: Block, block_id: str) -> dict[str, Any]:
    if isinstance(block, str):
        return {"kind": "text", "text": block}
    if isinstance(block, Bullets):
        return {"kind": "bullets", "entries": block.items}
    if isinstance(block, Plot):
        return {
            "kind": "plot",
            "id": block_id,
            "json": figure_json(block.figure),
            "config": Markup(json.dumps(_PLOT_CONFIG, allow_nan=False)),
            "caption": block.caption,
        }
    if isinstance(block, Table):
        return _table_context(block)
    raise TypeError(f"unsupported report block: {type(block).__name__}")


def render_page(page: Page) -> str:
    """Render the page to one self-contained HTML string (plotly.js inlined once, only if needed)."""
    used: set[str] = set()
    sections = []
    has_plot = False
    for i, sec in enumerate(page.sections):
        blocks = [_block_context(b, f"fig-{i}-{j}") for j, b in enumerate(sec.blocks)]
        has_plot = has_plot or any(b["kind"] == "plot" for b in blocks)
        sections.append(
            {
                "heading": sec.heading,
                "anchor": _anchor(sec.heading, i, used),
                "highlight": sec.highlight,
                "blocks": blocks,
            }
        )
    env = jinja2.Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)
    return env.from_string(TEMPLATE).render(
        title=page.title,
        subtitle=page.subtitle,
        footer=page.footer,
        sections=sections,
        style=Markup(STYLE),
        plotlyjs=Markup(get_plotlyjs()) if has_plot else None,
    )


def write_page(page: Page, path: Path | str) -> Path:
    """Render ``page`` and write it (UTF-8) to ``path``, creating parent folders; returns the path."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_page(page), encoding="utf-8")
    return out
