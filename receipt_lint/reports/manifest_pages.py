"""The manifest written out: JSON, YAML, Markdown, and the html page with its charts."""

from __future__ import annotations

import datetime as dt
import html
import json
from dataclasses import asdict
from typing import Any

from receipt_lint.model import models
from receipt_lint.reporters import markdown_cell
from receipt_lint.reports.manifest import Entry, Manifest, deadline_moment


def as_dict(manifest: Manifest) -> dict[str, Any]:
    return asdict(manifest)



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
                "| KEP | title | SIG | stage | type | still needs | open problems |",
                "|---|---|---|---|---|---|---|",
            ]
            lines += [
                f"| [{e.kep}]({e.issue}){' ✗' if e.errors else ''} | "
                f"{f'[{_md(e.title)}]({e.folder})' if e.folder else _md(e.title)} | "
                f"{_md(e.sig)} | {_md(e.stage)} | "
                f"{e.type} | {_md('; '.join(e.lacks)) or '—'} | {_md('; '.join(e.problems)) or '—'} |"
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
        f"<td>{'<br>'.join(esc(item) for item in e.lacks) or '—'}</td>"
        f"<td>{'<br>'.join(esc(p) for p in e.problems) or '—'}</td></tr>"
        for e in manifest.receipts
    )
    outreach = "".join(
        f"<dt>{esc(sig)}</dt><dd>{esc(text).replace(chr(10), '<br>')}</dd>"
        for sig, text in manifest.outreach.items()
    )
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>Release {esc(manifest.release)} enhancements</title><style>"
        "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top}"
        ".charts{display:flex;flex-wrap:wrap;gap:2em}tr.at-risk{background:#fff4e0}"
        "tr.removed{color:#888}tr.failing td:first-child{background:#fde0e0}</style></head><body>"
        f"<h1>Release {esc(manifest.release)} enhancements</h1><p>Generated {esc(manifest.generated)}.</p>"
        f"{_html_dates(manifest)}"
        f"<div class='charts'>{charts}</div>{_burn_down(manifest)}"
        "<h2>Receipts</h2><table><thead><tr><th>KEP</th><th>title</th>"
        "<th>SIG</th><th>stage</th><th>state</th><th>type</th><th>still needs</th><th>open problems</th>"
        "</tr></thead>"
        f"<tbody>{rows}</tbody></table><h2>Outreach</h2><dl>{outreach}</dl></body></html>\n"
    )



def _html_title(entry: Entry) -> str:
    title = html.escape(entry.title)
    return f"<a href='{html.escape(entry.folder)}'>{title}</a>" if entry.folder else title



def _html_dates(manifest: Manifest) -> str:
    if not manifest.dates:
        return ""
    items = "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd>" for k, v in manifest.dates.items())
    return f"<dl class='dates'>{items}</dl>"



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
        f"role='img' aria-label='{html.escape(title)}'><text x='0' y='14' font-weight='bold'>"
        f"by {html.escape(title)}</text>{bars}</svg></figure>"
    )



_STATE_COLOURS = {
    "proposed": "#9e9e9e",
    "accepted": "#2e7d32",
    "at-risk": "#ef6c00",
    "exception": "#6a1b9a",
    "removed": "#c62828",
}



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
    width, height, left, bottom = 640, 260, 40, 220

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
    for name, when in manifest.freezes.items():
        at = x(deadline_moment(when))
        lines.append(
            f"<line x1='{at:.1f}' y1='20' x2='{at:.1f}' y2='{bottom}' stroke='#555' stroke-dasharray='4 3'/>"
            f"<text x='{at + 2:.1f}' y='{bottom + 14}' font-size='10' "
            f"transform='rotate(20 {at + 2:.1f} {bottom + 14})'>{html.escape(name)}</text>"
        )
    if known < last:
        at = x(known)
        day = dt.datetime.fromtimestamp(known, dt.timezone.utc).strftime("%Y-%m-%d")
        lines.append(
            f"<line x1='{at:.1f}' y1='20' x2='{at:.1f}' y2='{bottom}' stroke='#000'/>"
            f"<text x='{at + 2:.1f}' y='16' font-size='10'>as of {day}</text>"
        )
    axis = f"<line x1='{left}' y1='{bottom}' x2='{width - 120}' y2='{bottom}' stroke='#000'/>"
    labels = f"<text x='0' y='24' font-size='11'>{top}</text><text x='0' y='{bottom}' font-size='11'>0</text>"
    return (
        "<h2>Receipts by state over the cycle</h2><figure><svg xmlns='http://www.w3.org/2000/svg' "
        f"width='{width}' height='{height + 30}' role='img' aria-label='receipts by state over time'>"
        f"{axis}{labels}{''.join(lines)}</svg></figure>"
    )
