"""Tiny inline-SVG charts for the HTML report.

Hand-written instead of matplotlib: matplotlib is not installed in the project's pinned
environment, and two chart kinds (grouped bars, histogram) are ~50 lines of SVG, which
also keeps report.html self-contained and text-diffable.
"""

from __future__ import annotations

from html import escape

COLORS = ["#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860"]


def grouped_bars(title: str, groups: list[str], series: dict[str, list[float | None]], width: int = 720, height: int = 260) -> str:
    """Bars in [0, 1]: one group per x label, one bar per series. None draws nothing."""
    left, bottom, top = 40, 40, 30
    plot_h = height - bottom - top
    names = list(series)
    group_w = (width - left - 10) / max(1, len(groups))
    bar_w = max(2.0, (group_w - 8) / max(1, len(names)))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" aria-label="{escape(title)}">',
             f'<text x="{width / 2}" y="18" text-anchor="middle" font-size="14">{escape(title)}</text>']
    for tick in (0, 0.5, 1.0):
        y = top + plot_h * (1 - tick)
        parts.append(f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
                     f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" font-size="10">{tick:g}</text>')
    for g, group in enumerate(groups):
        x0 = left + g * group_w + 4
        for s, name in enumerate(names):
            val = series[name][g]
            if val is None:
                continue
            h = plot_h * max(0.0, min(1.0, val))
            parts.append(f'<rect x="{x0 + s * bar_w:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w - 1:.1f}" height="{h:.1f}" '
                         f'fill="{COLORS[s % len(COLORS)]}"><title>{escape(name)} {escape(group)}: {val:.3f}</title></rect>')
        parts.append(f'<text x="{x0 + group_w / 2 - 4:.1f}" y="{height - bottom + 14}" text-anchor="middle" font-size="10">{escape(group)}</text>')
    for s, name in enumerate(names):
        parts.append(f'<rect x="{left + s * 120}" y="{height - 16}" width="10" height="10" fill="{COLORS[s % len(COLORS)]}"/>'
                     f'<text x="{left + s * 120 + 14}" y="{height - 7}" font-size="10">{escape(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def histogram(title: str, values: list[float], bins: int = 20, width: int = 720, height: int = 220, unit: str = "ms") -> str:
    """Counts of values in equal-width bins."""
    import numpy as np

    left, bottom, top = 40, 36, 30
    plot_h = height - bottom - top
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" aria-label="{escape(title)}">',
             f'<text x="{width / 2}" y="18" text-anchor="middle" font-size="14">{escape(title)}</text>']
    if values:
        counts, edges = np.histogram(values, bins=bins)
        peak = max(1, int(counts.max()))
        bar_w = (width - left - 10) / bins
        for i, count in enumerate(counts):
            h = plot_h * count / peak
            parts.append(f'<rect x="{left + i * bar_w:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w - 1:.1f}" height="{h:.1f}" fill="{COLORS[0]}">'
                         f'<title>{edges[i]:.0f}–{edges[i + 1]:.0f} {unit}: {int(count)}</title></rect>')
        parts.append(f'<text x="{left}" y="{height - bottom + 14}" font-size="10">{edges[0]:.0f} {unit}</text>'
                     f'<text x="{width - 10}" y="{height - bottom + 14}" text-anchor="end" font-size="10">{edges[-1]:.0f} {unit}</text>'
                     f'<text x="{left - 4}" y="{top + 4}" text-anchor="end" font-size="10">{peak}</text>')
    parts.append("</svg>")
    return "".join(parts)
