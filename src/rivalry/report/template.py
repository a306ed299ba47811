"""The jinja2 template and stylesheet of a report page (see :mod:`rivalry.report.page`).

Kept as Python strings rather than package data so that the report needs no file lookup at run time.
Everything interpolated is autoescaped except the values the page builder marks safe: the inlined
plotly.js bundle and each figure's JSON (which plotly already escapes for use inside ``<script>``).
"""

STYLE = """
:root {
  --fg: #1f2933; --muted: #616e7c; --bg: #f5f7fa; --card: #ffffff; --line: #e4e7eb;
  --accent: #2f5d8a; --accent-soft: #eaf1f8; --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
}
* { box-sizing: border-box; }
html { font-size: 16px; }
body {
  margin: 0; background: var(--bg); color: var(--fg); line-height: 1.55;
  font-family: -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
header.page-head { background: var(--card); border-bottom: 1px solid var(--line); }
header.page-head .inner, main, footer { max-width: 1120px; margin: 0 auto; padding: 0 24px; }
header.page-head .inner { padding-top: 28px; padding-bottom: 18px; }
h1 { font-size: 1.75rem; margin: 0 0 4px; letter-spacing: -0.01em; }
.subtitle { color: var(--muted); margin: 0; }
nav.toc { margin-top: 14px; display: flex; flex-wrap: wrap; gap: 6px 8px; }
nav.toc a {
  font-size: 0.85rem; color: var(--accent); text-decoration: none; padding: 2px 10px;
  border: 1px solid var(--line); border-radius: 999px; background: var(--bg);
}
nav.toc a:hover { background: var(--accent-soft); }
main { padding-top: 24px; padding-bottom: 24px; }
section.card {
  background: var(--card); border: 1px solid var(--line); border-radius: 10px;
  padding: 18px 24px 20px; margin-bottom: 22px; box-shadow: 0 1px 2px rgba(31, 41, 51, 0.04);
}
section.card.highlight {
  border-left: 5px solid var(--accent);
  background: linear-gradient(var(--accent-soft), var(--card) 120px);
}
h2 { font-size: 1.25rem; margin: 0 0 10px; }
p { margin: 0 0 10px; max-width: 78ch; }
ul.bullets { margin: 0 0 10px; padding-left: 1.2em; max-width: 82ch; }
ul.bullets li { margin: 4px 0; }
figure { margin: 14px 0 18px; }
figcaption { color: var(--muted); font-size: 0.88rem; margin-top: 4px; max-width: 90ch; }
.plot { width: 100%; min-height: 200px; }
.table-wrap {
  overflow: auto; max-height: 560px; border: 1px solid var(--line); border-radius: 6px;
}
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
thead th {
  position: sticky; top: 0; background: #eef1f5; text-align: left; font-weight: 600;
  padding: 7px 10px; border-bottom: 1px solid var(--line); white-space: nowrap;
}
td { padding: 5px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
tbody tr:nth-child(even) td { background: #fafbfc; }
tbody tr:hover td { background: var(--accent-soft); }
td.num, th.num {
  text-align: right; font-variant-numeric: tabular-nums; font-family: var(--mono); font-size: 0.85rem;
}
td.na { color: var(--muted); }
.empty { color: var(--muted); font-style: italic; }
footer { color: var(--muted); font-size: 0.8rem; padding-bottom: 32px; }
"""

TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<style>{{ style }}</style>
{% if plotlyjs %}<script>{{ plotlyjs }}</script>{% endif %}
</head>
<body>
<header class="page-head"><div class="inner">
<h1>{{ title }}</h1>
{% if subtitle %}<p class="subtitle">{{ subtitle }}</p>{% endif %}
{% if sections|length > 1 %}<nav class="toc">
{% for s in sections %}<a href="#{{ s.anchor }}">{{ s.heading }}</a>
{% endfor %}</nav>{% endif %}
</div></header>
<main>
{% for s in sections %}
<section class="card{% if s.highlight %} highlight{% endif %}" id="{{ s.anchor }}">
<h2>{{ s.heading }}</h2>
{% for b in s.blocks %}
{% if b.kind == "text" %}<p>{{ b.text }}</p>
{% elif b.kind == "bullets" %}<ul class="bullets">
{% for item in b.entries %}<li>{{ item }}</li>
{% endfor %}</ul>
{% elif b.kind == "plot" %}<figure>
<div class="plot" id="{{ b.id }}"></div>
<script>(function () {
  var fig = {{ b.json }};
  Plotly.newPlot("{{ b.id }}", fig.data, fig.layout, {{ b.config }});
})();</script>
{% if b.caption %}<figcaption>{{ b.caption }}</figcaption>{% endif %}
</figure>
{% elif b.kind == "table" %}<figure>
{% if b.rows %}<div class="table-wrap"><table>
<thead><tr>
{% for c in b.columns %}<th{% if c.numeric %} class="num"{% endif %}>{{ c.name }}</th>
{% endfor %}</tr></thead>
<tbody>
{% for row in b.rows %}<tr>
{% for cell in row %}<td{% if cell.css %} class="{{ cell.css }}"{% endif %}>{{ cell.text }}</td>
{% endfor %}</tr>
{% endfor %}</tbody>
</table></div>
{% else %}<p class="empty">{{ b.empty_text }}</p>{% endif %}
{% if b.caption %}<figcaption>{{ b.caption }}</figcaption>{% endif %}
</figure>
{% endif %}
{% endfor %}
</section>
{% endfor %}
</main>
{% if footer %}<footer>{{ footer }}</footer>{% endif %}
</body>
</html>
"""
