"""Report pages: pure functions from a typed result to a :class:`Page` (``render_page``/``write_page`` render it).

:mod:`rivalry.report.page` is the generic page builder and :mod:`rivalry.report.style` the one plot style;
each experiment's page is in a module of its own (``forbidden_facts``, ``compare``, ...).
"""

from rivalry.report.page import Bullets, Page, Plot, Section, Table, format_value, render_page, write_page

__all__ = ["Bullets", "Page", "Plot", "Section", "Table", "format_value", "render_page", "write_page"]
