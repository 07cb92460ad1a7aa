"""The documentation: generated pages are current, links resolve, and the site builds strictly."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


def gen_docs():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("gen_docs", ROOT / "hack/gen_docs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_pages_are_current() -> None:
    """A rule's docstring, severity or example, or an option, changed without `python3 hack/gen_docs.py`."""
    generator = gen_docs()
    stale = [
        path.relative_to(ROOT).as_posix()
        for path, text in generator.pages().items()
        if not path.exists() or path.read_text(encoding="utf-8") != text
    ]
    assert stale == [], "run python3 hack/gen_docs.py"


def test_every_rule_has_a_page_whose_example_is_that_rule() -> None:
    from receipt_lint.rules import ALL_RULES

    for rule in ALL_RULES:
        page = (ROOT / "docs/rules" / f"{rule.id}.md").read_text()
        example = page.split("## Example")[1]
        assert f"[{rule.id}]" in example and rule.doc.splitlines()[0] in page


def test_the_readme_is_a_front_page_whose_links_resolve() -> None:
    text = (ROOT / "README.md").read_text()
    assert text.count("\n") <= 250
    links = re.findall(r"\]\((docs/[^)#]+)", text)
    missing = [link for link in links if not (ROOT / link).exists()]
    assert links and missing == []


def test_every_page_is_in_the_navigation() -> None:
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text())

    def listed(items: list) -> set[str]:  # type: ignore[type-arg]
        found: set[str] = set()
        for item in items:
            values = item.values() if isinstance(item, dict) else [item]
            for value in values:
                found |= listed(value) if isinstance(value, list) else {value}
        return found

    pages = {path.relative_to(ROOT / "docs").as_posix() for path in (ROOT / "docs").rglob("*.md")}
    assert pages == listed(config["nav"])


@pytest.mark.skipif(shutil.which("mkdocs") is None, reason="the docs extra: pip install -e '.[docs]'")
def test_the_site_builds_strictly(tmp_path: Path) -> None:
    done = subprocess.run(
        ["mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=os.environ | {"NO_MKDOCS_2_WARNING": "1"},
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "site/rules/stage-mismatch/index.html").exists()


def test_every_list_starts_after_a_blank_line() -> None:
    """Python-Markdown (the site) needs one where GitHub does not: without it a list is a paragraph."""
    glued = []
    for page in sorted((ROOT / "docs").rglob("*.md")):
        fence, previous = False, ""
        for number, line in enumerate(page.read_text().splitlines(), 1):
            if line.lstrip().startswith("```"):
                fence = not fence
            item = re.match(r"([-*+]|[0-9]+[.)]) ", line)
            after_text = (
                previous.strip()
                and not previous.startswith((" ", "-", "|", "#"))
                and not re.match(r"[0-9]+[.)] ", previous)
            )
            if not fence and item and after_text:
                glued.append(f"{page.relative_to(ROOT)}:{number}")
            previous = line
    assert glued == []
