"""Self-contained HTML reports built from the files of finished runs.

:mod:`rivalry.report.page` is the generic page builder (shared by all experiments);
:func:`build_forbidden_facts_report` renders a forbidden-facts run directory.
"""

from rivalry.report.forbidden_facts import build_forbidden_facts_report
from rivalry.report.page import Bullets, Page, Plot, Section, Table, format_value, render_page, write_page

__all__ = [
    "Bullets",
    "Page",
    "Plot",
    "Section",
    "Table",
    "build_forbidden_facts_report",
    "format_value",
    "render_page",
    "write_page",
]
