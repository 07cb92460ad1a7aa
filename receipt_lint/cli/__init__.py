"""The command line: argparse -> options -> core -> reporter -> exit code.

The only place that exits.  0: no errors; 1: errors found; 2: could not run
(one line on stderr saying what to do, never a traceback).  One module per
command family: ``check``, ``verbs`` (the kepctl moves), ``reports``
(manifest, history, slips) and ``help`` (rules, explain, schema, demo); each
holds its arguments and its run function, and imports the core only when run.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from receipt_lint import __version__
from receipt_lint.cli.check import add_check
from receipt_lint.cli.common import Parser, UsageError, reader_gone


def run() -> NoReturn:
    """The ``receipt-lint`` program: ``main()``, then a hard exit.

    Tearing the interpreter down (freeing every module and object one by one)
    took 21 ms, a tenth of a one-receipt PR check, for nothing: the process
    is ending.  Like mypy, we flush what we wrote and leave with ``os._exit``.
    Open files are closed by then and the one child, ``git cat-file``, ends
    when its input closes.  ``main()`` itself returns normally (tests call it).
    """
    code = main()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing more can be said
            stream.flush()
    os._exit(code)



def main(argv: Sequence[str] | None = None) -> int:
    # Pydantic scans every installed distribution for plugins when it builds the
    # first model; receipt-lint uses none.  This is pydantic's documented switch;
    # a value the user set wins.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, ValueError):  # replaced by a test, or closed
            stream.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]
    arguments = sys.argv[1:] if argv is None else list(argv)
    try:
        args = build_parser(only_check=arguments[:1] == ["check"]).parse_args(arguments)
        return int(args.run(args))
    except UsageError as error:
        print(f"receipt-lint: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `receipt-lint ... | head`: the reader has gone; say nothing more
        reader_gone()
        return 0
    except Exception as error:  # a bug of ours: still one line, exit 2
        if os.environ.get("RECEIPT_LINT_DEBUG"):
            raise
        print(
            f"receipt-lint: internal error: {type(error).__name__}: {error} "
            "(set RECEIPT_LINT_DEBUG=1 for the traceback, and please report it)",
            file=sys.stderr,
        )
        return 2



def build_parser(only_check: bool = False) -> argparse.ArgumentParser:
    """The whole command line; with ``only_check``, just ``check`` (what CI and pre-commit run).

    Building the other eleven subcommands costs ~2.5 ms a run that cannot use them.
    """
    parser = Parser(prog="receipt-lint", description="Validate Kubernetes enhancement receipts.")
    parser.add_argument("--version", action="version", version=f"receipt-lint {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    add_check(commands)
    if only_check:
        return parser
    # The other families are imported only for a command that is not `check`.
    from receipt_lint.cli.github import add_github
    from receipt_lint.cli.help import add_help
    from receipt_lint.cli.reports import add_reports
    from receipt_lint.cli.verbs import add_verbs

    add_verbs(commands)
    add_reports(commands)
    add_github(commands)
    add_help(commands)
    return parser
