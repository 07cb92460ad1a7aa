"""The manifest written out: JSON, YAML, Markdown, and the html page with its charts."""

from __future__ import annotations

import datetime as dt
import html
import json
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from receipt_lint.model import models
from receipt_lint.reporters import markdown_cell
from receipt_lint.reports.manifest import Entry, Manifest, deadline_moment
from receipt_lint.reports.page import VERDICT_STYLE, head

STATUS_KEYS = ("code", "docs", "action")


def as_dict(manifest: Manifest) -> dict[str, Any]:
    """The manifest as data; the status keys only when a snapshot gave them (manifest --status)."""
    data = asdict(manifest)
    if manifest.status_read_at is None:
        del data["status_read_at"]
        for receipt in data["receipts"]:
            for key in STATUS_KEYS:
                del receipt[key]
    return data



def render(manifest: Manifest, format_name: str) -> str:
    if format_name == "json":
        return json.dumps(as_dict(manifest), indent=2) + "\n"
    if format_name == "yaml":
        import yaml

        return str(yaml.safe_dump(as_dict(manifest), sort_keys=False, allow_unicode=True))
    if format_name == "html":
        return render_html(manifest)
    return render_markdown(manifest)



def render_markdown(manifest: Manifest) -> str:
    lines = [f"# Release {manifest.release} enhancements", "", f"Generated {manifest.generated}.", ""]
    status = manifest.status_read_at is not None
    if status:
        lines += [f"Pull requests as read {manifest.status_read_at}.", ""]
    if manifest.dates:
        lines += ["Dates: " + ", ".join(f"{key} {value}" for key, value in manifest.dates.items()), ""]
    for name, counts in manifest.counts.items():
        cells = ", ".join(f"{key}: {value}" for key, value in counts.items()) or "none"
        lines.append(f"- **{name.removeprefix('by_')}**: {cells}")
    for name, counts in manifest.shipping.items():  # what ships: accepted receipts only
        cells = ", ".join(f"{key}: {value}" for key, value in counts.items()) or "none"
        lines.append(f"- **shipping, {name.removeprefix('by_')}**: {cells}")
    for state in models.STATES:
        rows = [e for e in manifest.receipts if e.state == state]
        lines += ["", f"## {state} ({len(rows)})", ""]
        if rows:
            lines += [
                "| KEP | title | SIG | stage | type | still needs | open problems |"
                + (" code | docs | move |" if status else ""),
                "|---|---|---|---|---|---|---|" + ("---|---|---|" if status else ""),
            ]
            lines += [
                f"| [{e.kep}]({e.issue}){' ✗' if e.errors else ''} | "
                f"{f'[{_md(e.title)}]({e.folder})' if e.folder else _md(e.title)} | "
                f"{_md(e.sig)} | {_md(e.stage)} | "
                f"{e.type} | {_md('; '.join(e.lacks)) or '—'} | {_md('; '.join(e.problems)) or '—'} |"
                + (f" {e.code or '—'} | {e.docs or '—'} | {e.action or '—'} |" if status else "")
                for e in rows
            ]
    lines += ["", "## Outreach", ""]
    lines += [f"**{sig}**: {message}\n" for sig, message in manifest.outreach.items()]
    return "\n".join(lines) + "\n"



def _md(text: str) -> str:
    """Repository text in a Markdown table: one line, no HTML of its own (the reports' one escaping)."""
    return markdown_cell(text)



def render_html(manifest: Manifest) -> str:
    """One self-contained page: inline CSS and SVG, no scripts, no external assets."""
    esc = html.escape
    charts = "".join(_svg_bars(name.removeprefix("by_"), counts) for name, counts in manifest.counts.items())
    rows = "".join(
        f"<tr class='{esc(e.state)}{' failing' if e.errors else ''}'>"
        f"<td><a href='{esc(e.issue)}'>{esc(e.kep)}</a>{' ✗' if e.errors else ''}</td>"
        f"<td>{_html_title(e)}</td><td>{esc(e.sig)}</td>"
        f"<td>{esc(e.stage)}</td><td>{esc(e.state)}</td><td>{esc(e.type)}</td>"
        f"<td>{_folded(e.lacks)}</td><td>{_folded(e.problems)}</td>{_status_cells(manifest, e)}</tr>"
        for e in manifest.receipts
    )
    read_at = manifest.status_read_at
    status_heads = "<th>code</th><th>docs</th><th>move</th>" if read_at is not None else ""
    read = f" Pull requests as read {esc(read_at)}." if read_at is not None else ""
    outreach = "".join(
        f"<dt>{esc(sig)}</dt><dd>{esc(text).replace(chr(10), '<br>')}</dd>"
        for sig, text in manifest.outreach.items()
    )
    return (
        head(
            f"Release {manifest.release} enhancements",
            ".charts{display:flex;flex-wrap:wrap;gap:2em}tr.at-risk{background:#fff4e0}"
            "tr.removed{color:#888}tr.failing td:first-child{background:#fde0e0}" + VERDICT_STYLE,
        )
        + f"<h1>Release {esc(manifest.release)} enhancements</h1>"
        f"<p>Generated {esc(manifest.generated)}.{read}</p>"
        f"{_html_dates(manifest)}"
        f"<div class='charts'>{charts}</div>{_burn_down(manifest)}"
        "<h2>Receipts</h2><div class='wide'><table><thead><tr><th>KEP</th><th>title</th>"
        "<th>SIG</th><th>stage</th><th>state</th><th>type</th><th>still needs</th><th>open problems</th>"
        f"{status_heads}</tr></thead>"
        f"<tbody>{rows}</tbody></table></div><h2>Outreach</h2><dl>{outreach}</dl></body></html>\n"
    )



def _status_cells(manifest: Manifest, entry: Entry) -> str:
    """The code and docs verdicts and the move due, from a status snapshot (manifest --status)."""
    if manifest.status_read_at is None:
        return ""
    esc = html.escape
    return "".join(
        f"<td class='v-{esc(word.replace(' ', ''))}'>{esc(word)}</td>" if word else "<td>—</td>"
        for word in (entry.code, entry.docs, entry.action)
    )


def _html_title(entry: Entry) -> str:
    title = html.escape(entry.title)
    return f"<a href='{html.escape(entry.folder)}'>{title}</a>" if entry.folder else title



_FITS = "style='max-width:100%;height:auto'"  # a chart shrinks to a phone's width rather than overflow


def _folded(items: list[str]) -> str:
    """A cell's list: two items as they are, more folded under a count a reader opens."""
    shown = "<br>".join(html.escape(item) for item in items) or "—"
    if len(items) <= 2:
        return shown
    return f"<details><summary>{len(items)} items</summary>{shown}</details>"


def _html_dates(manifest: Manifest) -> str:
    """The release's dates as a table, each with how far it is from the manifest's time."""
    if not manifest.dates:
        return ""
    now = deadline_moment(manifest.generated)
    rows = "".join(
        f"<tr><th>{html.escape(key)}</th><td>{html.escape(value)}</td><td>{_from_now(value, now)}</td></tr>"
        for key, value in manifest.dates.items()
    )
    return f"<table class='dates'><tbody>{rows}</tbody></table>"


def _from_now(written: str, now: float) -> str:
    """``passed``, ``in 3 days`` or ``in 5 h``: a deadline against the manifest's time."""
    try:
        left = deadline_moment(written) - now
    except ValueError:
        return ""
    if left <= 0:
        return "passed"
    days = int(left // 86400)
    return f"in {days} day{'s' if days != 1 else ''}" if days >= 1 else f"in {max(int(left // 3600), 1)} h"



def _svg_bars(title: str, counts: dict[str, int]) -> str:
    height, width = 22 * max(len(counts), 1) + 30, 360
    top = max(counts.values(), default=0) or 1  # a release with no receipts yet draws empty bars
    bars = "".join(
        f"<text x='0' y='{40 + i * 22}' font-size='12'>{html.escape(key)}</text>"
        f"<rect x='150' y='{28 + i * 22}' width='{int(180 * value / top)}' height='16' fill='#326ce5'/>"
        f"<text x='{155 + int(180 * value / top)}' y='{40 + i * 22}' font-size='12'>{value}</text>"
        for i, (key, value) in enumerate(counts.items())
    )
    return (
        f"<figure><svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
        f"viewBox='0 0 {width} {height}' {_FITS} role='img' aria-label='{html.escape(title)}'>"
        "<text x='0' y='14' font-weight='bold'>"
        f"by {html.escape(title)}</text>{bars}</svg></figure>"
    )



_STATE_COLOURS = {
    "proposed": "#9e9e9e",
    "accepted": "#2e7d32",
    "at-risk": "#ef6c00",
    "exception": "#6a1b9a",
    "removed": "#c62828",
}



def _month_ticks(first: float, last: float, x: Callable[[float], float], bottom: int) -> list[str]:
    """A tick and a label (``Feb 1``) at the first of each month the chart spans."""
    ticks = []
    day = dt.datetime.fromtimestamp(first, dt.timezone.utc).replace(day=1, hour=0, minute=0, second=0)
    while day.timestamp() <= last:
        if day.timestamp() >= first:
            at = x(day.timestamp())
            ticks.append(
                f"<line x1='{at:.1f}' y1='{bottom}' x2='{at:.1f}' y2='{bottom + 5}' stroke='#000'/>"
                f"<text x='{at - 10:.1f}' y='{bottom + 16}' font-size='10'>{day:%b} 1</text>"
            )
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return ticks


def _burn_down(manifest: Manifest) -> str:
    """Receipts by state over the cycle, with the freezes marked: one inline SVG, no script."""
    if not manifest.timeline:
        return ""
    times = [deadline_moment(point.date) for point in manifest.timeline] + [
        deadline_moment(d) for d in manifest.freezes.values()
    ]
    first, last = min(times), max(times)
    span = max(last - first, 1.0)
    top = max(max(point.by_state.values()) for point in manifest.timeline) or 1
    width, left, bottom = 640, 40, 220

    def x(when: float) -> float:
        return left + (width - left - 120) * (when - first) / span

    def y(count: int) -> float:
        return bottom - (bottom - 20) * count / top

    # The counts are known up to the manifest's time (an --at snapshot, or now), not to the release date.
    known = max(deadline_moment(manifest.timeline[-1].date), min(deadline_moment(manifest.generated), last))
    lines = []
    for state, colour in _STATE_COLOURS.items():
        steps: list[str] = []
        for point in manifest.timeline:
            if steps:
                steps.append(f"{x(deadline_moment(point.date)):.1f},{float(steps[-1].split(',')[1]):.1f}")
            steps.append(f"{x(deadline_moment(point.date)):.1f},{y(point.by_state.get(state, 0)):.1f}")
        steps.append(f"{x(known):.1f},{y(manifest.timeline[-1].by_state.get(state, 0)):.1f}")
        lines.append(f"<polyline fill='none' stroke='{colour}' stroke-width='2' points='{' '.join(steps)}'/>")
        index = list(_STATE_COLOURS).index(state)
        lines.append(
            f"<text x='{width - 110}' y='{30 + 16 * index}' font-size='12' fill='{colour}'>{state}: "
            f"{manifest.timeline[-1].by_state.get(state, 0)}</text>"
        )
    for row, (name, when) in enumerate(manifest.freezes.items()):
        at = x(deadline_moment(when))
        # One row of labels a freeze, under the axis: close freezes never overlap.
        label_y = bottom + 28 + 12 * row
        lines.append(
            f"<line x1='{at:.1f}' y1='20' x2='{at:.1f}' y2='{label_y - 9}' stroke='#555' "
            "stroke-dasharray='4 3'/>"
            f"<text x='{at + 2:.1f}' y='{label_y}' font-size='10'>{html.escape(name)}</text>"
        )
    lines.extend(_month_ticks(first, last, x, bottom))
    if known < last:
        at = x(known)
        day = dt.datetime.fromtimestamp(known, dt.timezone.utc).strftime("%Y-%m-%d")
        lines.append(
            f"<line x1='{at:.1f}' y1='20' x2='{at:.1f}' y2='{bottom}' stroke='#000'/>"
            f"<text x='{at + 2:.1f}' y='16' font-size='10'>as of {day}</text>"
        )
    axis = f"<line x1='{left}' y1='{bottom}' x2='{width - 120}' y2='{bottom}' stroke='#000'/>"
    labels = f"<text x='0' y='24' font-size='11'>{top}</text><text x='0' y='{bottom}' font-size='11'>0</text>"
    extra = 28 + 12 * len(manifest.freezes)
    return (
        "<h2>Receipts by state over the cycle</h2><figure class='wide'>"
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{bottom + extra + 10}' "
        f"viewBox='0 0 {width} {bottom + extra + 10}' {_FITS} role='img' "
        "aria-label='receipts by state over time'>"
        f"{axis}{labels}{''.join(lines)}</svg></figure>"
    )
