"""``status`` written out: JSON (the CLI contract's shape), text and Markdown grouped by what to do,
a shell script of the moves (``--suggest``), and the html dashboard."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from typing import Any

from receipt_lint.github.facts import Pull
from receipt_lint.github.status import Row, Status, Verdict, when
from receipt_lint.model.times import utc_text
from receipt_lint.reporters import markdown_cell, one_line
from receipt_lint.reports.page import FOLDERS, ISSUES, VERDICT_STYLE, head

# The groups a lead works through, in order: what is late first.
GROUPS = (
    ("remove", "Remove"),
    ("accept --at-risk", "Mark at risk"),
    ("accept", "Accept"),
)


def _time(moment: dt.datetime | None) -> str | None:
    if moment is None:
        return None
    return utc_text(moment)


def said(moment: dt.datetime) -> str:
    """A deadline as the schedule wrote it: a bare date (the next midnight) as that day."""
    moment = moment.astimezone(dt.timezone.utc)
    if moment.time() == dt.time(0, 0):
        return f"{moment - dt.timedelta(days=1):%Y-%m-%d}"
    return f"{moment:%Y-%m-%d %H:%M} UTC"


def as_dict(status: Status) -> dict[str, Any]:
    return {
        "version": 1,
        "release": status.release,
        "read_at": status.facts.read_at,
        "now": _time(status.now),
        "receipts": [_row_dict(row) for row in status.rows],
        "summary": {
            "receipts": len(status.rows),
            "actions": sum(row.action is not None for row in status.rows),
            "overdue": len(status.overdue),
            "unknown": len(status.unknown),
            "requests": status.facts.requests,
        },
    }


def _row_dict(row: Row) -> dict[str, Any]:
    issue = row.issue
    return {
        "kep": row.kep,
        "title": row.title,
        "state": row.state,
        "stage": row.stage,
        "type": row.type,
        "sig": row.sig,
        "path": row.path,
        "documents": None if row.state == "removed" else {"ready": row.ready, "gaps": row.gaps},
        "code": _verdict_dict(row.code),
        "docs": _verdict_dict(row.docs),
        "unlisted": row.unlisted,
        "exception": row.exception,
        "issue": None
        if issue is None
        else {
            "number": issue.number,
            "state": issue.state,
            "milestone": issue.milestone,
            "labels": issue.labels,
            "error": issue.error,
        },
        "action": None
        if row.action is None
        else {
            "verb": row.action.verb,
            "command": row.action.command,
            "why": row.action.why,
            "overdue": row.action.overdue,
        },
    }


def _verdict_dict(verdict: Verdict | None) -> dict[str, Any] | None:
    if verdict is None:
        return None
    return {
        "verdict": verdict.verdict,
        "deadline": _time(verdict.deadline),
        "prs": [_pull_dict(pr) for pr in verdict.prs],
        "notes": list(verdict.notes),
    }


def _pull_dict(pr: Pull) -> dict[str, Any]:
    return {
        "url": pr.url,
        "state": pr.state,
        "draft": pr.draft,
        "merge_ready": pr.merge_ready,
        "merged_at": pr.merged_at,
        "milestone": pr.milestone,
        "labels": pr.labels,
        "updated_at": pr.updated_at,
        "review_decision": pr.review_decision,
        "title": pr.title,
        "error": pr.error,
    }


def render(status: Status, format_name: str) -> str:
    if format_name == "json":
        return json.dumps(as_dict(status), indent=2, ensure_ascii=False) + "\n"
    if format_name == "markdown":
        return render_markdown(status)
    if format_name == "html":
        return render_html(status)
    return render_text(status)


def _header(status: Status) -> list[str]:
    facts = status.facts
    source = f"{facts.requests} requests" if facts.requests else "no requests"
    lines = [
        f"Release {status.release}: pull requests read {facts.read_at} ({source}), "
        f"judged at {_time(status.now)}"
    ]
    dates = [f"{key} {said(moment)} ({when(moment, status.now)})" for key, moment in status.dates.items()]
    if dates:
        lines.append("; ".join(dates))
    if status.closed:
        lines.append(f"Release {status.release} has shipped: no move can be made in it any more.")
    return lines


def _grouped(status: Status) -> list[tuple[str, list[Row]]]:
    groups = []
    for verb, heading in GROUPS:
        rows = [row for row in status.rows if row.action is not None and row.action.verb == verb]
        rows.sort(key=lambda row: not row.action.overdue if row.action else True)
        if rows:
            groups.append((heading, rows))
    return groups


def _kep(row: Row) -> str:
    return one_line(f"KEP {row.kep} {row.sig} {row.title}".strip())


def render_text(status: Status) -> str:
    lines = _header(status)
    for heading, rows in _grouped(status):
        lines += ["", f"{heading} ({len(rows)}):"]
        for row in rows:
            assert row.action is not None
            late = "  [overdue]" if row.action.overdue else ""
            lines += [
                f"  {_kep(row)}{late}",
                f"    {one_line(row.action.why)}",
                f"    $ {row.action.command}",
            ]
    for heading, items in _questions(status):
        lines += ["", f"{heading} ({len(items)}):", *(f"  {one_line(item)}" for item in items)]
    fine = [
        row
        for row in status.rows
        if row.action is None and row.state not in ("removed", "exception") and row.readable
    ]
    lines += ["", f"No move needed: {len(fine)} receipt{'s' if len(fine) != 1 else ''}."]
    if not status.overdue and not status.closed:
        lines.append("Nothing is overdue.")
    return "\n".join(lines) + "\n"


def _questions(status: Status) -> list[tuple[str, list[str]]]:
    """What needs a person, not a move: unreadable or closed pull requests, unlisted ones."""
    notes = [
        f"KEP {row.kep}: {note}" for row in status.rows for v in (row.code, row.docs) if v for note in v.notes
    ]
    unlisted = [
        f"KEP {row.kep}: {url} (not in the receipt: ask the author)"
        for row in status.rows
        for url in row.unlisted
    ]
    issues = [
        f"KEP {row.kep}: {said}"
        for row in status.rows
        if row.state != "removed"
        for said in _issue_questions(row, status.release)
    ]
    broken = [f"KEP {row.kep}: {row.gaps[0]}" for row in status.rows if not row.readable]
    pending = [
        _pending(row, status.release) for row in status.rows if row.state == "exception" and row.readable
    ]
    found = [
        ("Exception requests to decide", pending),
        ("Receipts that cannot be judged", broken),
        ("Pull requests to look at", notes),
        ("Unlisted pull requests", unlisted),
        ("Issues", issues),
    ]
    return [(heading, items) for heading, items in found if items]


def _pending(row: Row, release: str) -> str:
    """A pending exception request: what it asks, where its work stands, and the two answers."""
    verdicts = ", ".join(f"{name} {v.verdict}" for name, v in (("code", row.code), ("docs", row.docs)) if v)
    return (
        f"KEP {row.kep} {row.sig} {row.title}: {row.exception}; {verdicts}; "
        f"receipt-lint exception accept|deny {row.kep} --release {release}"
    )


def _issue_questions(row: Row, release: str) -> list[str]:
    """What the enhancement issue says against an active receipt: closed, or another release's milestone."""
    issue = row.issue
    if issue is None:
        return []
    if issue.error:
        return [f"enhancement issue not read ({issue.error})"]
    said = ["its enhancement issue is closed"] if issue.state == "closed" else []
    if issue.milestone is not None and issue.milestone != release:
        said.append(f"its enhancement issue's milestone is {issue.milestone}, not {release}")
    return said


def render_suggest(status: Status) -> str:
    """The moves as a shell script a lead can read, edit and run (``--suggest``)."""
    lines = [f"# receipt-lint status --release {status.release}: the moves its verdicts call for"]
    for row in status.rows:
        if row.action is not None:
            late = " (overdue)" if row.action.overdue else ""
            lines += [f"# KEP {row.kep}{late}: {one_line(row.action.why)}", row.action.command]
    if len(lines) == 1:
        lines.append("# none: every receipt's state fits")
    return "\n".join(lines) + "\n"


def render_markdown(status: Status) -> str:
    lines = [
        f"## Release {status.release}: where the work stands",
        "",
        *(f"{line}  " for line in _header(status)),
    ]
    for heading, rows in _grouped(status):
        lines += [
            "",
            f"### {heading} ({len(rows)})",
            "",
            "| KEP | SIG | title | why | command |",
            "|---|---|---|---|---|",
        ]
        for row in rows:
            assert row.action is not None
            late = " **overdue**" if row.action.overdue else ""
            lines.append(
                f"| [{row.kep}]({ISSUES}{row.kep}){late} | {markdown_cell(row.sig)} "
                f"| {markdown_cell(row.title)} "
                f"| {markdown_cell(row.action.why)} | `{row.action.command}` |"
            )
    for heading, items in _questions(status):
        lines += ["", f"### {heading} ({len(items)})", "", *(f"- {markdown_cell(item)}" for item in items)]
    lines += [
        "",
        "### Every receipt",
        "",
        "| KEP | state | stage | code | docs | documents |",
        "|---|---|---|---|---|---|",
    ]
    for row in status.rows:
        lines.append(
            f"| [{row.kep}]({ISSUES}{row.kep}) | {row.state} | {markdown_cell(row.stage)} "
            f"| {_word(row.code)} "
            f"| {_word(row.docs)} | {_documents(row)} |"
        )
    return "\n".join(lines) + "\n"


def _word(verdict: Verdict | None) -> str:
    return verdict.verdict if verdict is not None else "—"


def _documents(row: Row) -> str:
    if row.state == "removed":
        return "—"
    return "ready" if row.ready else f"{len(row.gaps)} gap{'s' if len(row.gaps) != 1 else ''}"


_VIEW_STYLE = (
    "nav a{margin-right:1em}.overdue{color:#a00;font-weight:bold}td.pr{white-space:nowrap}"
    "li,p{overflow-wrap:anywhere}" + VERDICT_STYLE  # a long URL in a list wraps at a phone's width
)


def render_html(status: Status) -> str:
    """The dashboard: the views the team has on its board (Enhancements, Code, Docs) and the actions due."""
    esc = html.escape
    title = f"Release {status.release}: where the work stands"
    return (
        head(title, _VIEW_STYLE)
        + f"<h1>{esc(title)}</h1><p>{esc(_header(status)[0])}</p>{_html_dates(status)}"
        "<nav><a href='#actions'>Actions</a><a href='#enhancements'>Enhancements</a>"
        "<a href='#code'>Code</a><a href='#docs'>Docs</a></nav>"
        + _html_actions(status)
        + _html_enhancements(status)
        + _html_prs(status, "code", "Code", "implementation pull requests by code freeze")
        + _html_prs(
            status,
            "docs",
            "Docs",
            "docs pull requests: a placeholder by the docs PR deadline, merged by docs freeze",
        )
        + "</body></html>\n"
    )


def _html_dates(status: Status) -> str:
    """The release's dates as a table, each with how far it is (as the manifest shows them)."""
    rows = "".join(
        f"<tr><th>{html.escape(key)}</th><td>{html.escape(said(moment))}</td>"
        f"<td>{'passed ' if moment <= status.now else ''}{html.escape(when(moment, status.now))}</td></tr>"
        for key, moment in status.dates.items()
    )
    return f"<table class='dates'><tbody>{rows}</tbody></table>" if rows else ""


def _link(row: Row) -> str:
    return f"<a href='{html.escape(ISSUES + row.kep)}'>{html.escape(row.kep)}</a>"


def _html_actions(status: Status) -> str:
    esc = html.escape
    parts = ["<h2 id='actions'>Actions</h2>"]
    for heading, rows in _grouped(status):
        items = "".join(
            f"<tr><td>{_link(row)}</td><td>{esc(row.title)}</td><td>{esc(row.action.why)}"
            f"{' <span class=overdue>overdue</span>' if row.action.overdue else ''}</td>"
            f"<td><code>{esc(row.action.command)}</code></td></tr>"
            for row in rows
            if row.action is not None
        )
        parts.append(
            f"<h3>{esc(heading)} ({len(rows)})</h3>"
            "<div class='wide'><table><thead><tr><th>KEP</th><th>title</th><th>why</th><th>command</th>"
            f"</tr></thead><tbody>{items}</tbody></table></div>"
        )
    for heading, found in _questions(status):
        listed = "".join(f"<li>{_linked(esc(item))}</li>" for item in found)
        parts.append(f"<h3>{esc(heading)} ({len(found)})</h3><ul>{listed}</ul>")
    if len(parts) == 1:
        parts.append("<p>No move is needed.</p>")
    return "".join(parts)


_PULL_LINK = re.compile(r"https://github\.com/[A-Za-z0-9._-]+/[A-Za-z0-9._-]+/pull/[0-9]+")


def _linked(escaped: str) -> str:
    """Pull request addresses in escaped text, as links (the pattern holds no quote or markup)."""
    return _PULL_LINK.sub(lambda found: f"<a href='{found[0]}'>{found[0]}</a>", escaped)


def _html_enhancements(status: Status) -> str:
    esc = html.escape
    rows = "".join(
        f"<tr><td>{_link(row)}</td><td>{_folder(row)}</td><td>{esc(row.sig)}</td><td>{esc(row.stage)}</td>"
        f"<td>{esc(row.state)}</td><td>{esc(row.type)}</td><td>{esc(row.exception or '—')}</td>"
        f"<td>{_gaps_html(row)}</td></tr>"
        for row in status.rows
    )
    return (
        "<h2 id='enhancements'>Enhancements</h2>"
        "<div class='wide'><table><thead><tr><th>KEP</th><th>title</th>"
        "<th>SIG</th><th>stage</th><th>state</th><th>type</th><th>exception</th><th>documents</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></div>"
    )


def _folder(row: Row) -> str:
    title = html.escape(row.title)
    return f"<a href='{html.escape(FOLDERS + row.folder)}'>{title}</a>" if row.folder else title


def _gaps_html(row: Row) -> str:
    if row.state == "removed":
        return "—"
    if row.ready:
        return "ready"
    shown = "<br>".join(html.escape(gap) for gap in row.gaps)
    return (
        f"<details><summary>{len(row.gaps)} gap{'s' if len(row.gaps) != 1 else ''}</summary>{shown}</details>"
    )


def _html_prs(status: Status, kind: str, heading: str, about: str) -> str:
    esc = html.escape
    rows = []
    for row in status.rows:
        verdict: Verdict | None = getattr(row, kind)
        if verdict is None:
            continue
        deadline = (
            "—"
            if verdict.deadline is None
            else f"{said(verdict.deadline)} ({when(verdict.deadline, status.now)})"
        )
        prs = "<br>".join(_pr_html(pr) for pr in verdict.prs) or "none listed"
        rows.append(
            f"<tr><td>{_link(row)}</td><td>{esc(row.state)}</td><td class='v-{esc(verdict.verdict)}'>"
            f"{esc(verdict.verdict)}</td><td>{esc(deadline)}</td><td class='pr'>{prs}</td></tr>"
        )
    return (
        f"<h2 id='{kind}'>{esc(heading)}</h2><p>{esc(about)}</p>"
        "<div class='wide'><table><thead><tr><th>KEP</th>"
        "<th>state</th><th>verdict</th><th>deadline</th><th>pull requests</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _pr_html(pr: Pull) -> str:
    esc = html.escape
    number = pr.url.rsplit("/", 3)
    short = f"{number[-3]}#{number[-1]}" if len(number) == 4 else pr.url
    if not pr.known:
        said = f"unknown: {pr.error}"
    elif pr.state == "open":
        said = ("draft" if pr.draft else "open") + (", merge-ready" if pr.merge_ready else "")
    else:
        said = pr.state
    return f"<a href='{esc(pr.url)}' title='{esc(pr.title)}'>{esc(short)}</a> {esc(said)}"
