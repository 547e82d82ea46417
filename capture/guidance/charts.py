"""Bar charts as plain geometry for server-rendered SVG (no script, no inline style)."""
import math
from dataclasses import dataclass, field


@dataclass
class Chart:
    """What the SVG template draws: a viewBox, bars, axis labels, grid lines and a legend."""
    width: int
    height: int
    bars: list = field(default_factory=list)      # (x, y, w, h, css class, tooltip)
    labels: list = field(default_factory=list)    # (x, y, text, anchor)
    grid: list = field(default_factory=list)      # (x1, y1, x2, y2, value text, label x, label y)
    legend: list = field(default_factory=list)    # (css class, name)


def nice_ceiling(value):
    """The smallest 1, 2 or 5 × 10^k at or above `value` (at least 1)."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power


def scale(largest, lines=4):
    """(top of the axis, whole-number ticks) for counts up to `largest`."""
    step = nice_ceiling(largest / lines)
    top = step * max(math.ceil(largest / step), 1)
    return top, list(range(0, top + 1, step))


def columns(categories, series, width=960, height=280):
    """Stacked columns: one per category; `series` is [(css class, name, values)]."""
    left, right, top_pad, bottom = 40, 10, 12, 34
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    totals = [sum(values[i] for _c, _n, values in series) for i in range(len(categories))]
    top, ticks = scale(max(totals, default=0))
    chart = Chart(width, height, legend=[(css, name) for css, name, _v in series])
    for tick in ticks:
        y = top_pad + plot_h - plot_h * tick / top
        chart.grid.append((left, round(y, 1), width - right, round(y, 1), str(tick),
                           left - 6, round(y + 4, 1)))
    band = plot_w / max(len(categories), 1)
    for i, category in enumerate(categories):
        x, base = left + band * i + band * 0.2, top_pad + plot_h
        for css, name, values in series:
            h = plot_h * values[i] / top
            if values[i]:
                chart.bars.append((round(x, 1), round(base - h, 1), round(band * 0.6, 1),
                                   round(h, 1), css, f"{category} {name}: {values[i]}"))
            base -= h
        chart.labels.append((round(left + band * (i + 0.5), 1), height - 12, category, "middle"))
    return chart


def rows(names, series, width=960, row_height=30, label_width=220, max_chars=14):
    """Stacked horizontal bars, one row per name; `series` is [(css class, name, values)]."""
    top_pad, right, bottom = 8, 40, 24
    height = top_pad + row_height * max(len(names), 1) + bottom
    plot_w = width - label_width - right
    totals = [sum(values[i] for _c, _n, values in series) for i in range(len(names))]
    top, ticks = scale(max(totals, default=0))
    chart = Chart(width, height, legend=[(css, name) for css, name, _v in series])
    for tick in ticks:
        x = label_width + plot_w * tick / top
        chart.grid.append((round(x, 1), top_pad, round(x, 1), height - bottom, str(tick),
                           round(x, 1), height - 6))
    for i, name in enumerate(names):
        y, start = top_pad + row_height * i + row_height * 0.2, label_width
        short = name if len(name) <= max_chars else name[:max_chars - 1] + "…"
        chart.labels.append((label_width - 8, round(y + row_height * 0.45, 1), short, "end"))
        for css, series_name, values in series:
            w = plot_w * values[i] / top
            if values[i]:
                chart.bars.append((round(start, 1), round(y, 1), round(w, 1),
                                   round(row_height * 0.6, 1), css,
                                   f"{name} {series_name}: {values[i]}"))
            start += w
        chart.labels.append((round(start + 6, 1), round(y + row_height * 0.45, 1),
                             str(totals[i]), "start"))
    return chart


# A phone shows every chart as horizontal bars drawn at its own width, so that a label of
# 12 units is about 12 px on screen instead of a 960-wide drawing shrunk to a third.
PHONE = dict(width=340, row_height=24)


def phone_rows(names, series, label_width=96, max_chars=7):
    """The same figures as horizontal bars sized for a phone's width."""
    return rows(names, series, label_width=label_width, max_chars=max_chars, **PHONE)
