"""What the html pages share: their head (a phone's viewport, one style) and the links to the KEPs."""

from __future__ import annotations

import html

ISSUES = "https://github.com/kubernetes/enhancements/issues/"  # + the KEP number: its enhancement issue
FOLDERS = "https://github.com/kubernetes/enhancements/tree/master/keps/"  # + the receipt's path

# Readable on a phone: wide tables scroll in their own box, margins shrink.
_STYLE = (
    "body{font-family:sans-serif;margin:2em;max-width:100%}table{border-collapse:collapse;margin-bottom:2em}"
    "td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top}.wide{overflow-x:auto;max-width:100%}"
    "@media (max-width:600px){body{margin:0.5em}td,th{padding:2px 4px}}"
)


# A verdict cell (status, manifest --status): green on track, amber at risk, red missed, grey unknown.
VERDICT_STYLE = (
    ".v-complete,.v-merge-ready,.v-not-needed{background:#e3f5e1}"
    ".v-at-risk,.v-placeholder-open,.v-accept--at-risk{background:#fff4e0}"
    ".v-missed-freeze,.v-remove{background:#fde0e0}.v-unknown{background:#eee}td[class^=v-]{white-space:nowrap}"
)
# No script may run, whatever a title or label holds: only the page's own style and inline images.
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def head(title: str, style: str = "") -> str:
    """The page up to its ``<body>``: one self-contained document, no scripts, no external assets."""
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<meta http-equiv='Content-Security-Policy' content=\"{CSP}\">"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{html.escape(title)}</title><style>{_STYLE}{style}</style></head><body>"
    )
