"""kep-readme and missing-docs-prs (issue 12), on fixtures cut from the KEP template and real READMEs."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from receipt_lint.cli import main
from receipt_lint.model import readme
from tests.conftest import README, RECEIPT, base_files
from tests.test_corners import ACCEPTED, commit, main_and_pr
from tests.test_diff import rules_of, run_json

FIXTURES = Path(__file__).resolve().parent / "fixtures"
README_FILE = "keps/sig-architecture/2140-receipts/README.md"


def gaps_of(text: str, stage: str = "beta") -> list[tuple[str, int, str]]:
    return [(gap.section, gap.line, gap.what) for gap in readme.gaps(readme.read(text), stage)]


def test_the_shipped_ready_readme_meets_every_stage() -> None:
    for stage in ("alpha", "beta", "stable", "deprecated", "disabled", "removed"):
        assert gaps_of(README, stage) == [], stage


@pytest.mark.parametrize(
    ("edit", "section", "says"),
    [
        # ("## History" would be one word off the title: it counts, with a warning of its own)
        (lambda t: t.replace("## Implementation History", "## Later"), "Implementation History", "missing"),
        (lambda t: t.replace("[x] I/we understand", "[ ] I/we understand"), "Test Plan", "is not checked"),
        (
            lambda t: t.replace("[x] I/we understand", "I understand"),
            "Test Plan",
            "not on the latest template",
        ),
        (
            lambda t: t.replace("- The validator runs as a presubmit.", "").replace(
                "- Every release since the alpha used it.", ""
            ),
            "Graduation Criteria",
            "is empty",
        ),
        (
            lambda t: t.replace("It does not use them.", "<!-- answer here -->"),
            "Troubleshooting",
            "leaves 1 of 1 question unanswered: How does this feature react",
        ),
        (lambda t: t.replace("### Scalability", "### Scale"), "Scalability", "requires for beta, is missing"),
    ],
)
def test_each_gap_is_one_finding_at_its_heading(edit: object, section: str, says: str) -> None:
    found = gaps_of(edit(README))  # type: ignore[operator]
    assert [(s, what) for s, _, what in found if s == section and says in what], found
    [(name, line, _)] = [gap for gap in found if gap[0] == section]
    expected = next(
        (n for n, text in enumerate(edit(README).splitlines(), 1) if text.lstrip("#").strip() == section), 1
    )  # type: ignore[operator]
    assert line == expected


def test_alpha_needs_only_feature_enablement() -> None:
    text = README.replace("It does not use them.", "")  # troubleshooting unanswered
    assert gaps_of(text, "alpha") == []
    assert [gap[0] for gap in gaps_of(text, "beta")] == ["Troubleshooting"]


def test_headings_in_comments_and_fences_do_not_count() -> None:
    commented = README.replace("## Implementation History", "<!--\n## Implementation History\n-->")
    assert [gap[0] for gap in gaps_of(commented)] == ["Implementation History"]
    monitoring = (FIXTURES / "monitoring_fenced_list.md").read_text()  # cut from sig-scheduling/5710
    text = README.replace(
        README[README.index("### Monitoring Requirements") : README.index("### Dependencies")],
        monitoring + "\n",
    )
    [gap] = gaps_of(text)
    assert gap[0] == "Monitoring Requirements"
    assert gap[2] == (
        "Monitoring Requirements leaves 1 of 2 questions unanswered: How can an operator determine if the "
        "feature is in use by workloads?"
    )


def test_crlf_a_bom_and_optional_titles_read_the_same() -> None:
    assert gaps_of("\ufeff" + README.replace("\n", "\r\n")) == []
    assert gaps_of(README.replace("## Implementation History", "## Implementation History (Optional)")) == []
    setext = README.replace("## Implementation History", "Implementation History\n======================")
    assert [gap[0] for gap in gaps_of(setext)] == ["Implementation History"]  # setext headings do not count


def test_a_one_megabyte_readme_is_read(tmp_path: Path) -> None:
    big = README + ("\nfiller line of a very long KEP document\n" * 24_000)
    assert len(big.encode()) < 1 << 20 and gaps_of(big) == []


# --- the rule, on real throwaway repositories ------------------------------------------------------


def with_readme(tmp_path: Path, text: str | bytes | None, state: str = "accepted") -> Path:
    files = base_files(state)
    if text is None:
        del files[README_FILE]
    else:
        files[README_FILE] = text  # type: ignore[assignment]
    return main_and_pr(tmp_path, files)


def test_severity_follows_the_state_and_findings_sit_on_the_readme(tmp_path: Path) -> None:
    broken = README.replace("[x] I/we understand", "[ ] I/we understand")
    for state, severity, code in (("accepted", "error", 1), ("proposed", "warning", 0)):
        root = with_readme(tmp_path / state, broken, state)
        result_code, document = run_json(root, "--all")
        [finding] = [d for d in document["diagnostics"] if d["rule"] == "kep-readme"]
        assert (finding["path"], finding["severity"], result_code) == (README_FILE, severity, code)
        assert finding["line"] == README.splitlines().index("### Test Plan") + 1


def test_no_readme_is_one_finding_on_the_receipt(tmp_path: Path) -> None:
    code, document = run_json(with_readme(tmp_path, None), "--all")
    [finding] = document["diagnostics"]
    assert (finding["rule"], finding["path"], finding["line"]) == ("kep-readme", ACCEPTED, 4)


def test_bytes_that_are_not_utf8_read_as_replacement_characters(tmp_path: Path) -> None:
    latin1 = README.replace("It does not use them.", "It does not use them, señor.").encode("latin-1")
    code, document = run_json(with_readme(tmp_path, latin1), "--all")
    assert code == 0 and rules_of(document) == set()
    code, document = run_json(with_readme(tmp_path / "broken", b"# KEP\n\xff\xfe broken\n"), "--all")
    assert code == 1 and "not UTF-8" not in json.dumps(document) and "kep-readme" in rules_of(document)


# --- issue 18.7: CommonMark and the template, as section 8 now says ------------------------------


def test_any_checked_line_of_the_box_counts() -> None:
    unchecked_copy = "[ ] I/we understand the owners of the involved components may require updates\n\n"
    text = README.replace("[x] I/we understand", unchecked_copy + "[x] I/we understand")
    assert gaps_of(text) == []


@pytest.mark.parametrize("indent", [" ", "  ", "   "])
def test_a_heading_indented_up_to_three_spaces_is_a_heading(indent: str) -> None:
    assert gaps_of(README.replace("## Implementation History", indent + "## Implementation History")) == []


def test_four_spaces_make_no_heading() -> None:
    text = README.replace("## Implementation History", "    ## Implementation History")
    assert [gap[0] for gap in gaps_of(text)] == ["Implementation History"]


@pytest.mark.parametrize("empty", ["<!-->", "<!--->"])
def test_an_empty_comment_hides_nothing_after_it(empty: str) -> None:
    text = README.replace("## Implementation History", f"{empty}\n\n## Implementation History")
    assert gaps_of(text) == []


def test_questionnaire_sections_are_found_inside_the_questionnaire_only() -> None:
    design = "## Design Details\n\n### Dependencies\n\nThe design depends on nothing.\n\n"
    start, end = README.index("### Dependencies"), README.index("### Scalability")
    text = design + README[:start] + README[end:]
    assert [gap[0] for gap in gaps_of(text, "beta")] == ["Dependencies"]
    assert gaps_of(text, "alpha") == []


@pytest.mark.parametrize(
    ("heading", "counts"),
    [
        ("## Production Readiness Questionnaire", True),  # one word missing (the real sig-api-machinery/5958)
        ("## Production Readiness Review Questionnaire Answers", True),  # one added
        ("## Readiness Questionnaire", False),  # two missing
        (
            "## Production Questionnaire Review Readiness",
            False,
        ),  # the same words, another order... and one off
    ],
)
def test_a_heading_one_word_off_a_required_title_counts_with_a_warning(heading: str, counts: bool) -> None:
    text = README.replace("## Production Readiness Review Questionnaire", heading)
    found = gaps_of(text)
    near = [gap for gap in readme.gaps(readme.read(text), "beta") if gap.warning]
    if counts:
        assert [gap[0] for gap in found] == ["Production Readiness Review Questionnaire"]
        assert len(near) == 1 and f'the heading "{heading.lstrip("# ")}" stands for' in near[0].what
    else:
        assert "Production Readiness Review Questionnaire" in [gap[0] for gap in found] and not near
        assert len(found) > 1  # and its sections are missing with it


def test_a_near_title_is_a_warning_even_for_an_accepted_receipt(tmp_path: Path) -> None:
    text = README.replace(
        "## Production Readiness Review Questionnaire", "## Production Readiness Questionnaire"
    )
    code, document = run_json(with_readme(tmp_path, text), "--all")
    [finding] = document["diagnostics"]
    assert code == 0 and (finding["rule"], finding["severity"]) == ("kep-readme", "warning")


def test_an_empty_heading_never_counts() -> None:
    text = README.replace("### Dependencies", "###")
    assert "Dependencies" in [gap[0] for gap in gaps_of(text)]


def test_a_readme_of_more_than_a_megabyte_is_read(tmp_path: Path) -> None:
    big = README + ("\nfiller line of a very long KEP document\n" * 30_000)
    assert len(big.encode()) > 1 << 20
    code, document = run_json(with_readme(tmp_path, big), "--all")
    assert code == 0 and rules_of(document) == set()


def test_a_readme_past_four_mebibytes_is_too_large_to_read(tmp_path: Path) -> None:
    huge = README + "x" * (4 << 20)
    code, document = run_json(with_readme(tmp_path, huge), "--all")
    [finding] = document["diagnostics"]
    assert code == 1 and finding["path"] == README_FILE and "too large to read" in finding["message"]


def test_a_readme_edit_rechecks_the_kep(tmp_path: Path) -> None:
    root = main_and_pr(tmp_path)
    commit(root, {README_FILE: README.replace("## Implementation History", "## Later")})
    code, document = run_json(root, "--base", "main")
    [finding] = document["diagnostics"]
    assert (finding["rule"], finding["path"], finding["line"], code) == ("kep-readme", README_FILE, 1, 1)


def test_explain_lists_the_requirements_by_stage(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "kep-readme"]) == 0
    text = capsys.readouterr().out
    assert "alpha, Feature Enablement and Rollback" in text and "Troubleshooting" in text


def test_accept_refuses_a_readme_that_is_not_ready(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = with_readme(tmp_path, README.replace("### Graduation Criteria", "### Later"), "at-risk")
    os.chdir(root)
    capsys.readouterr()
    assert main(["accept", "2140", "--release", "v1.37", "--now=2026-01-20"]) == 1
    assert "the section Graduation Criteria is missing" in capsys.readouterr().err
    assert (root / "releases/v1.37/at-risk/2140.yaml").exists()


# --- the docs deadline ----------------------------------------------------------------------------


def scheduled(tmp_path: Path, receipt_extra: str = "", state: str = "accepted") -> Path:
    files = base_files(state)
    files[f"releases/v1.37/{state}/2140.yaml"] = RECEIPT.replace("accepted", state) + receipt_extra
    files["releases/v1.37/schedule.yaml"] = "enhancements-freeze: 2026-02-12\ndocs-pr-deadline: 2026-03-05\n"
    return main_and_pr(tmp_path, files)


@pytest.mark.parametrize(
    ("extra", "state", "now", "warned"),
    [
        ("", "accepted", "2026-03-06", True),
        ("", "at-risk", "2026-03-06", True),
        ("", "proposed", "2026-03-06", False),  # proposed-after-freeze speaks for it
        ("docs-prs: []\n", "accepted", "2026-03-06", False),  # no docs needed
        ("docs-prs: [https://github.com/kubernetes/website/pull/1]\n", "accepted", "2026-03-06", False),
        ("", "accepted", "2026-03-05", False),  # the deadline's own day
    ],
)
def test_missing_docs_prs_after_the_deadline(
    tmp_path: Path, extra: str, state: str, now: str, warned: bool
) -> None:
    document = run_json(scheduled(tmp_path, extra, state), "--all", f"--now={now}")[1]
    assert ("missing-docs-prs" in rules_of(document)) is warned


def test_docs_prs_with_no_value_means_none_listed_yet_and_says_so(tmp_path: Path) -> None:
    from receipt_lint.model.models import json_schema

    description = json_schema("receipt")["properties"]["docs-prs"]["description"]
    assert "no value" in description and "none listed yet" in description
    document = run_json(scheduled(tmp_path, "docs-prs:\n"), "--all", "--now=2026-03-06")[1]
    [finding] = [d for d in document["diagnostics"] if d["rule"] == "missing-docs-prs"]
    assert "docs-prs has no value, which means none listed yet" in finding["message"]
    assert finding["line"] == RECEIPT.count("\n") + 1  # at the key


def test_the_docs_deadline_in_the_schedule(tmp_path: Path) -> None:
    files = base_files()
    files["releases/v1.37/schedule.yaml"] = "code-freeze: 2026-03-01\ndocs-pr-deadline: 2026-03-05\n"
    [finding] = run_json(main_and_pr(tmp_path, files), "--all")[1]["diagnostics"]
    assert finding["rule"] == "schedule-schema" and finding["message"].startswith(
        "code-freeze is before docs-pr-deadline"
    )
    root = main_and_pr(tmp_path / "new")
    os.chdir(root)
    assert main(["create-release", "v1.38", "--docs-pr-deadline", "2026-06-01", "--now=2026-01-01"]) == 0
    assert (root / "releases/v1.38/schedule.yaml").read_text() == "docs-pr-deadline: 2026-06-01\n"


def test_the_manifest_says_what_each_receipt_still_needs(tmp_path: Path) -> None:
    root = scheduled(tmp_path)
    (root / README_FILE).write_text(README.replace("[x] I/we understand", "[ ] I/we understand"))
    out = tmp_path / "m.json"
    assert (
        main(
            [
                "manifest",
                "--repo",
                str(root),
                "--release",
                "v1.37",
                "--now=2026-03-06",
                "--format=json",
                f"--output={out}",
            ]
        )
        == 0
    )
    document = json.loads(out.read_text())
    [entry] = document["receipts"]
    box = "the test-plan box ([x] I/we understand the owners of the involved components …) is not checked"
    assert entry["lacks"] == [f"README: {box}", "docs PRs (or docs-prs: [])"]
    outreach = document["outreach"]["sig-architecture"]
    assert "- KEP 2140 (Receipts process) still needs: README: the test-plan box" in outreach
