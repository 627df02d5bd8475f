"""Server-rendered SVG bar charts: no script, no style attribute (strict CSP), readable alone.

Each chart is an `<svg role="img">` with `<title>` and `<desc>` (and aria-labelledby them);
the page puts the same numbers in a table next to it for screen readers and for copying.
A withheld count (network views) is drawn as an empty bar labelled with its display text.
"""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from reports.selectors import Table

WIDTH = 640
LABEL_WIDTH = 260
BAR_HEIGHT = 22
GAP = 6
TOP = 8
#: Fill colours (attributes, allowed by the CSP): counts and the outline of withheld counts.
BAR_FILL = "#1d5d90"
WITHHELD_STROKE = "#6b6b6b"
TEXT_FILL = "#1a1a1a"


def _describe(table: Table) -> str:
    parts = [f"{row.label}: {row.count.display}" for row in table.rows]
    return "; ".join(parts) + ". " + _("Total: %(total)s.") % {"total": table.total.display}


def bar_chart(table: Table, chart_id: str) -> SafeString:
    """A horizontal bar chart of one table; every text is escaped."""
    values = [row.count.value or 0 for row in table.rows]
    top = max(values + [1])
    plot = WIDTH - LABEL_WIDTH - 60
    height = TOP * 2 + len(table.rows) * (BAR_HEIGHT + GAP)
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" aria-labelledby="{title_id} {desc_id}">',
        f'<title id="{title_id}">{escape(table.title)}</title>',
        f'<desc id="{desc_id}">{escape(_describe(table))}</desc>',
    ]
    for i, row in enumerate(table.rows):
        y = TOP + i * (BAR_HEIGHT + GAP)
        text_y = y + BAR_HEIGHT * 0.7
        out.append(f'<text x="{LABEL_WIDTH - 8}" y="{text_y:.1f}" text-anchor="end" fill="{TEXT_FILL}" '
                   f'font-size="13">{escape(row.label[:40])}</text>')
        if row.count.suppressed:
            out.append(f'<rect x="{LABEL_WIDTH}" y="{y}" width="24" height="{BAR_HEIGHT}" fill="none" '
                       f'stroke="{WITHHELD_STROKE}" stroke-dasharray="3 2"/>')
            bar_end = LABEL_WIDTH + 24
        else:
            width = round(plot * (row.count.value or 0) / top, 1)
            out.append(f'<rect x="{LABEL_WIDTH}" y="{y}" width="{width}" height="{BAR_HEIGHT}" fill="{BAR_FILL}"/>')
            bar_end = LABEL_WIDTH + width
        out.append(f'<text x="{bar_end + 6:.1f}" y="{text_y:.1f}" fill="{TEXT_FILL}" font-size="13">'
                   f'{escape(row.count.display)}</text>')
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308  (every interpolated text is escaped above)
