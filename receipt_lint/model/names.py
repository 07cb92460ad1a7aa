"""The process's names (design doc sections 1-5), in a module that imports nothing.

Kept apart from ``models`` so the command line and the layout can use them
without importing pydantic.
"""

STAGES = ("alpha", "beta", "stable", "deprecated", "disabled", "removed")
STATES = ("proposed", "accepted", "at-risk", "exception", "removed")
ACTIVE_STATES = frozenset({"proposed", "accepted", "at-risk", "exception"})
FREEZES = ("prr", "enhancements", "code", "docs")
CONFIG_FILE = ".receipt-lint.yaml"  # the repository's rule configuration, at the top level
