"""Charts of the inventory report (清单报告), drawn with matplotlib and returned as SVG text.

Text stays text in the SVG (svg.fonttype none), so the reader's browser draws the Chinese labels with its own fonts
and the report needs no embedded font; ids are salted with a fixed value and the date is left out, so the same
warehouse gives byte-identical files. Figures are built without pyplot (no global state, no GUI backend).
"""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from io import StringIO

import matplotlib
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

matplotlib.use("Agg")  # never a GUI backend, even if a caller imports pyplot later

SIZE = (8.0, 4.5)  # inches; an SVG scales, this fixes the proportions and the relative text size
CJK_FONTS = ["Noto Sans CJK SC", "Noto Sans SC", "WenQuanYi Micro Hei", "Microsoft YaHei", "SimHei", "PingFang SC",
             "DejaVu Sans"]
RC = {
    "svg.fonttype": "none",  # text as <text>: the browser renders Chinese with its own CJK fonts
    "svg.hashsalt": "synergy-inventory-report",  # stable element ids: same data, same file
    "font.family": "sans-serif",
    "font.sans-serif": CJK_FONTS,
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#dddddd",
    "grid.linewidth": 0.6,
    "axes.axisbelow": True,
    "axes.unicode_minus": False,  # U+2212 is missing from some CJK fonts
}
COLOURS = ("#3b6ea5", "#d9822b", "#5a9e6f", "#b54b4b", "#8064a2", "#7f7f7f")
METHOD_COLOURS = {"monitored": "#3b6ea5", "reported": "#5a9e6f", "calculated": "#d9822b", "gap_filled": "#b54b4b"}


@contextmanager
def _quiet_style() -> Iterator[None]:
    """The report's rcParams, without the missing-glyph and font-lookup noise (irrelevant: text is not embedded)."""
    font_log = logging.getLogger("matplotlib.font_manager")
    level = font_log.level
    font_log.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings(), matplotlib.rc_context(RC):
            warnings.filterwarnings("ignore", message=r"(?i).*(glyph|font).*", category=UserWarning)
            yield
    finally:
        font_log.setLevel(level)


def _thousands(decimals: int = 0) -> FuncFormatter:
    return FuncFormatter(lambda value, _: f"{value:,.{decimals}f}")


def _svg(fig: Figure) -> str:
    """The figure as SVG text, without a date and with ids from the fixed salt (else matplotlib salts them with a
    random uuid), so that a rebuild writes the same bytes; set here too, so no caller can save outside the style."""
    buffer = StringIO()
    with matplotlib.rc_context({key: RC[key] for key in ("svg.fonttype", "svg.hashsalt")}):
        fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    return buffer.getvalue()


def _finish(ax: Axes, title: str, legend: bool) -> None:
    ax.set_title(title, loc="left", fontsize=10.5, fontweight="bold")
    if legend:
        ax.legend(frameon=False, fontsize=8.5)


def bar_chart(labels: Sequence[str], series: dict[str, Sequence[float | None]], title: str, value_label: str,
              horizontal: bool = False, decimals: int = 0, size: tuple[float, float] = SIZE) -> str:
    """Grouped bars, one group per label (cities: vertical; long sector names: horizontal, largest on top)."""
    with _quiet_style():
        fig = Figure(figsize=size)
        ax = fig.subplots()
        count = len(series)
        width = 0.8 / count
        positions = range(len(labels))
        for index, (name, values) in enumerate(series.items()):
            offsets = [p - 0.4 + width * (index + 0.5) for p in positions]
            heights = [0.0 if v is None else v for v in values]
            draw = ax.barh if horizontal else ax.bar
            draw(offsets, heights, width * 0.92, label=name, color=COLOURS[index % len(COLOURS)])
        if horizontal:
            ax.set_yticks(list(positions), labels)
            ax.invert_yaxis()
            ax.set_xlabel(value_label)
            ax.xaxis.set_major_formatter(_thousands(decimals))
            ax.grid(axis="y", visible=False)
        else:
            ax.set_xticks(list(positions), labels, rotation=45, ha="right", rotation_mode="anchor")
            ax.set_ylabel(value_label)
            ax.yaxis.set_major_formatter(_thousands(decimals))
            ax.grid(axis="x", visible=False)
        if any(v is not None and v < 0 for values in series.values() for v in values):
            (ax.axvline if horizontal else ax.axhline)(0, color="#444444", linewidth=0.8)
        _finish(ax, title, legend=count > 1)
        return _svg(fig)


def overview_chart(co2: dict[str, float], pollutants: dict[str, float], title: str) -> str:
    """Two panels side by side, because CO2 (10^4 t) and the air pollutants (t) differ by three orders of magnitude."""
    with _quiet_style():
        fig = Figure(figsize=SIZE)
        left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.2, 1]})
        for ax, values, colour, label, subtitle in (
                (left, co2, COLOURS[0], "万吨 10⁴ t CO2", "二氧化碳(按排放范围) CO2 by scope"),
                (right, pollutants, COLOURS[1], "吨 t", "大气污染物 air pollutants")):
            names = list(values)
            ax.barh(range(len(names)), list(values.values()), 0.6, color=colour)
            ax.set_yticks(range(len(names)), names)
            ax.invert_yaxis()
            ax.set_xlabel(label)
            ax.xaxis.set_major_formatter(_thousands())
            ax.grid(axis="y", visible=False)
            ax.set_title(subtitle, loc="left", fontsize=9.5)
        fig.suptitle(title, x=0.01, ha="left", fontsize=10.5, fontweight="bold")
        fig.tight_layout()
        return _svg(fig)


def pareto_chart(enterprise_share: Sequence[float], cumulative_share: Sequence[float], count_80: int, title: str) -> str:
    """Cumulative share of CO2e over the share of enterprises, largest first, with the 80 % point marked."""
    with _quiet_style():
        fig = Figure(figsize=SIZE)
        ax = fig.subplots()
        ax.plot([0.0, *enterprise_share], [0.0, *cumulative_share], color=COLOURS[0], linewidth=1.8,
                label="累计排放占比 cumulative share of CO2e")
        ax.plot([0, 1], [0, 1], color="#999999", linewidth=0.8, linestyle=":", label="均匀分布 equal shares")
        if count_80:
            x80 = enterprise_share[count_80 - 1]
            y80 = cumulative_share[count_80 - 1]
            ax.axvline(x80, color=COLOURS[3], linewidth=0.9, linestyle="--")
            ax.axhline(0.8, color=COLOURS[3], linewidth=0.9, linestyle="--")
            ax.plot([x80], [y80], "o", color=COLOURS[3])
            ax.annotate(f"前 {count_80:,} 家企业 ({x80:.1%}) 排放 80 %\ntop {count_80:,} enterprises emit 80 %",
                        (x80, y80), xytext=(12, -34), textcoords="offset points", fontsize=9, color=COLOURS[3])
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1.02)
        ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.set_xlabel("企业占比(按排放量从大到小) share of enterprises, largest first (%)")
        ax.set_ylabel("直接排放 CO2e 累计占比 cumulative share (%)")
        _finish(ax, title, legend=True)
        ax.legend(frameon=False, fontsize=8.5, loc="lower right")
        return _svg(fig)


def stacked_shares(labels: Sequence[str], parts: dict[str, tuple[str, Sequence[float]]], title: str) -> str:
    """Horizontal 100 % bars: parts maps a key (colour) to its legend label and one share (0-1) per label."""
    with _quiet_style():
        fig = Figure(figsize=SIZE)
        ax = fig.subplots()
        left = [0.0] * len(labels)
        for key, (name, shares) in parts.items():
            values = [s or 0.0 for s in shares]
            ax.barh(range(len(labels)), values, 0.6, left=left, label=name, color=METHOD_COLOURS.get(key, COLOURS[5]))
            left = [a + b for a, b in zip(left, values, strict=True)]
        ax.set_yticks(range(len(labels)), labels)
        ax.invert_yaxis()
        ax.set_xlim(0, 1)
        ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.set_xlabel("占排放量比例 share of mass (%)")
        ax.grid(axis="y", visible=False)
        _finish(ax, title, legend=False)
        ax.legend(frameon=False, fontsize=8.5, ncols=len(parts), loc="upper center", bbox_to_anchor=(0.5, -0.14))
        return _svg(fig)


QUADRANT_LABELS = (  # corner (x, y in axes fractions, alignment) and label of each quadrant, I to IV
    (0.99, 0.99, "right", "top", "I 协同减排 co-benefit"),
    (0.01, 0.99, "left", "top", "II 减碳增污 carbon down, pollutant up"),
    (0.01, 0.01, "left", "bottom", "III 协同增排 both up"),
    (0.99, 0.01, "right", "bottom", "IV 减污增碳 pollutant down, carbon up"))


def _coordinate_panel(ax: Axes, sectors: Sequence[tuple[str, float, float, int]], overall: tuple[str, float, float] | None,
                      enterprises: Sequence[tuple[float, float]], limit: float, on_frame: bool) -> None:
    """One panel of the coordinate system within ±limit: points beyond drawn on the frame (on_frame) or left out."""
    def clip(value: float) -> float:
        return max(-limit, min(limit, value)) if on_frame else value

    def inside(x: float, y: float) -> bool:
        return on_frame or (abs(x) <= limit and abs(y) <= limit)

    edge = limit * 1.12  # room between a point on the frame and the quadrant labels in the corners
    ax.set_xlim(-edge, edge)
    ax.set_ylim(-edge, edge)
    ax.set_aspect("equal")
    ax.fill_between([0, edge], 0, edge, color=COLOURS[2], alpha=0.08, linewidth=0)
    ax.fill_between([-edge, 0], -edge, 0, color=COLOURS[3], alpha=0.06, linewidth=0)
    ax.axhline(0, color="#444444", linewidth=0.9)
    ax.axvline(0, color="#444444", linewidth=0.9)
    for x, y, ha, va, text in QUADRANT_LABELS:
        ax.text(x, y, text, transform=ax.transAxes, ha=ha, va=va, fontsize=8, color="#555555")
    shown = [(x, y) for x, y in enterprises if inside(x, y)]
    ax.scatter([clip(x) for x, _ in shown], [clip(y) for _, y in shown], s=7, color="#888888", alpha=0.35,
               linewidths=0, label="企业 enterprises", zorder=2)
    largest = max([1, *(count for *_, count in sectors)])
    points = [s for s in sectors if inside(s[1], s[2])]
    ax.scatter([clip(x) for _, x, _, _ in points], [clip(y) for _, _, y, _ in points],
               s=[24 + 320 * count / largest for *_, count in points], color=COLOURS[0], alpha=0.7, edgecolors="white",
               linewidths=0.6, label="行业大类 GB/T 4754 divisions", zorder=3)
    for label, x, y, _ in points:
        text = f"{label} ({x:,.0f}, {y:,.0f})" if abs(x) > limit or abs(y) > limit else label
        ax.annotate(text, (clip(x), clip(y)), xytext=(5, 3), textcoords="offset points", fontsize=7.5, color="#1f3f66",
                    zorder=4)
    if overall is not None and inside(overall[1], overall[2]):
        label, x, y = overall
        ax.scatter([clip(x)], [clip(y)], s=110, marker="D", color=COLOURS[3], edgecolors="white", linewidths=0.8,
                   label=label, zorder=5)
        ax.annotate(label, (clip(x), clip(y)), xytext=(7, -11), textcoords="offset points", fontsize=8.5,
                    fontweight="bold", color=COLOURS[3], zorder=5)
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_locator(MaxNLocator(9, steps=[1, 2, 2.5, 5, 10], integer=True))
        axis.set_major_formatter(_thousands())


def coordinate_chart(sectors: Sequence[tuple[str, float, float, int]], overall: tuple[str, float, float] | None,
                     enterprises: Sequence[tuple[float, float]], limit: float, zoom: float | None, title: str,
                     x_label: str, y_label: str) -> str:
    """The co-control coordinate system: x = pollutant reduction %, y = CO2 reduction %, axes through 0.

    sectors: (label, x, y, enterprise count) per point, sized by the count; overall: (label, x, y) highlighted;
    enterprises: faint dots behind. In the main panel every value is clipped to ±limit (a point beyond is drawn on
    the frame, a sector's label then gives its true coordinates), so the quadrants keep their size whatever the
    outliers; zoom adds a panel of ±zoom around the origin, where the points beyond are left out.
    """
    with _quiet_style():
        fig = Figure(figsize=(13.0, 6.6) if zoom else (7.6, 6.6))
        axes = fig.subplots(1, 2 if zoom else 1, squeeze=False)[0]
        _coordinate_panel(axes[0], sectors, overall, enterprises, limit, on_frame=True)
        if zoom:
            _coordinate_panel(axes[1], sectors, overall, enterprises, zoom, on_frame=False)
            axes[1].set_title(f"放大 zoom ±{zoom:,.0f} %", loc="right", fontsize=9)
        for ax in axes:
            ax.set_xlabel(x_label)
        axes[0].set_ylabel(y_label)
        _finish(axes[0], title, legend=False)
        handles, labels = axes[0].get_legend_handles_labels()
        fig.legend(handles, labels, frameon=False, fontsize=8.5, ncols=3, loc="upper center", bbox_to_anchor=(0.5, 0.0))
        fig.tight_layout()
        return _svg(fig)


def contribution_chart(labels: Sequence[str], parts: dict[str, Sequence[float | None]], totals: Sequence[float | None],
                       title: str, value_label: str) -> str:
    """Horizontal stacked bars, the first label on top: each bar the parts of one total, which is written at its end.

    Negative parts stack leftwards from 0, positive ones rightwards, so a part below 0 never hides another.
    """
    with _quiet_style():
        fig = Figure(figsize=(8.0, max(3.0, 0.32 * len(labels) + 1.4)))
        ax = fig.subplots()
        positions = list(range(len(labels)))
        right = [0.0] * len(labels)
        left = [0.0] * len(labels)
        for index, (name, values) in enumerate(parts.items()):
            widths = [v or 0.0 for v in values]
            starts = [r if w >= 0 else lf for w, r, lf in zip(widths, right, left, strict=True)]
            ax.barh(positions, widths, 0.66, left=starts, label=name, color=COLOURS[index % len(COLOURS)])
            right = [r + max(w, 0.0) for r, w in zip(right, widths, strict=True)]
            left = [lf + min(w, 0.0) for lf, w in zip(left, widths, strict=True)]
        for position, total, end in zip(positions, totals, right, strict=True):
            if total is not None:
                ax.annotate(f"{total:,.1f}", (end, position), xytext=(3, 0), textcoords="offset points", va="center",
                            fontsize=8)
        ax.set_yticks(positions, labels)
        ax.invert_yaxis()
        ax.set_xlabel(value_label)
        ax.xaxis.set_major_formatter(_thousands())
        ax.grid(axis="y", visible=False)
        ax.set_xlim(min([0.0, *left]) * 1.05, max([1.0, *right]) * 1.1)
        if any(v < 0 for v in left):
            ax.axvline(0, color="#444444", linewidth=0.8)
        _finish(ax, title, legend=False)
        ax.legend(frameon=False, fontsize=8.5, ncols=len(parts), loc="upper center", bbox_to_anchor=(0.5, -0.08))
        return _svg(fig)


_XML_PROLOGUE = re.compile(r"^.*?(?=<svg\b)", re.S)
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.S)
_ID = re.compile(r'\bid="([^"]+)"')
_REFERENCE = re.compile(r'(url\(#|href="#)([^")]+)')


def inline_svg(svg: str, prefix: str) -> str:
    """The SVG for embedding in HTML: no XML prologue or metadata, ids prefixed so that figures never share one."""
    body = _METADATA.sub("", _XML_PROLOGUE.sub("", svg, count=1))
    body = _ID.sub(lambda m: f'id="{prefix}-{m.group(1)}"', body)
    return _REFERENCE.sub(lambda m: f"{m.group(1)}{prefix}-{m.group(2)}", body)
