"""The sweep page: every job's state and headline figures, and each figure compared across the grid."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import plotly.graph_objects as go

from rivalry.report.page import Page, is_number
from rivalry.report.style import LAYOUT

_BOOKKEEPING = ("job_id", "experiment", "state", "error", "seconds", "directory")


def report(rows: Sequence[Mapping[str, Any]], name: str) -> Page:
    """The page of a sweep, from its table rows (:func:`rivalry.sweeps.sweep_rows`) alone."""
    page = Page(f"Sweep: {name}", subtitle=f"{len(rows)} job(s)")
    states: dict[str, int] = {}
    for row in rows:
        states[str(row["state"])] = states.get(str(row["state"]), 0) + 1
    page.section("Summary", highlight=True).text(
        ", ".join(f"{n} {state}" for state, n in sorted(states.items())) + ". One row per job in sweep.csv."
    )
    columns = ["job_id", "experiment", "state", *_model_columns(rows), *_varied_config(rows), "error"]
    page.section("Jobs").table([{c: row.get(c) for c in columns} for row in rows], columns)
    for experiment in sorted({str(row["experiment"]) for row in rows}):
        members = [row for row in rows if row["experiment"] == experiment and row["state"] == "finished"]
        for figure_name in _figures(members):
            labels = [_job_label(row, rows) for row in members]
            values = [row.get(figure_name) for row in members]
            figure = go.Figure(go.Bar(x=labels, y=[v if is_number(v) else None for v in values]))
            figure.update_layout(**LAYOUT, yaxis_title=figure_name, xaxis_title="job")
            page.section(f"{experiment}: {figure_name}").plot(figure, caption=f"{figure_name} of every finished job.")
    return page


def _model_columns(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    return sorted({key for row in rows for key in row if key.endswith(".label")})


def _varied_config(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    keys = sorted({key for row in rows for key in row if key.startswith("config.")})
    return [key for key in keys if len({repr(row.get(key)) for row in rows}) > 1]


def _figures(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    skip = set(_BOOKKEEPING)
    keys: dict[str, None] = {}
    for row in rows:
        for key, value in row.items():
            if key in skip or "." in key and key.split(".")[0] in ("config", "model", "base", "tuned"):
                continue
            if is_number(value) and not isinstance(value, bool):
                keys[key] = None
    return list(keys)


def _job_label(row: Mapping[str, Any], rows: Sequence[Mapping[str, Any]]) -> str:
    parts = [str(row[key]) for key in _model_columns(rows) if key in row]
    parts += [f"{key.removeprefix('config.')}={str(row.get(key))[:24]}" for key in _varied_config(rows)]
    return " ".join(parts) or str(row["job_id"])


def write_sweep_report(out: str | Path, name: str) -> Path:
    """Write ``report.html`` of the sweep in ``out`` from its current table."""
    from rivalry.sweeps import load_plan, sweep_rows

    return report(sweep_rows(out, load_plan(out)), name).write(Path(out) / "report.html")
