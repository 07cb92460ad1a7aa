"""``receipt-lint status`` timed (hack/bench.py runs it): a release of 100 KEPs and 300 pull requests.

Against the fake GitHub of the tests (tests/fake_github.py: a server on 127.0.0.1 that
validates and executes each query with graphql-core, so its own time is inside the
figure, as GitHub's would be), and from a saved snapshot against ``manifest`` on the
same tree.  Targets (issue 21): ``status`` <= 2 s; ``--from`` about the time of ``manifest``.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

STATUS_TARGET = 2.0  # seconds, against the local server
KEPS, PULLS_PER_KEP = 100, 3
NOW = "--now=2026-03-18T09:00:00Z"


def bench_status(runs: int, process: Callable[..., tuple[float, int]], env: dict[str, str]) -> int:
    from tests.fake_github import TOKEN, FakeGitHub
    from tests.github_trees import K8S, WEBSITE, kep_files, release_tree

    github = FakeGitHub().start()
    with tempfile.TemporaryDirectory(prefix="receipt-lint-status-") as scratch:
        keps = []
        for n in range(KEPS):
            code = [f"{K8S}{n * PULLS_PER_KEP + i + 1}" for i in range(PULLS_PER_KEP - 1)]
            docs = [f"{WEBSITE}{n + 1}"]
            keps.append(kep_files(5000 + n, ("accepted", "at-risk")[n % 2], code=code, docs=docs))
            for i, url in enumerate([*code, *docs]):
                github.add_pull(url, state=("MERGED", "OPEN")[(n + i) % 2], labels=("lgtm", "approved"))
            github.add_issue("kubernetes/enhancements", 5000 + n, references=(code[0],))
        root = release_tree(Path(scratch) / "repo", *keps)
        snapshot = Path(scratch) / "snapshot.json"
        env = {**env, "GITHUB_TOKEN": TOKEN, "GITHUB_GRAPHQL_URL": github.url}
        ours = [sys.executable, "-m", "receipt_lint"]
        release = ["--release", "v1.37", NOW]
        live = [*ours, "status", *release, "--save", str(snapshot)]
        process(root, live, env)  # warm-up: bytecode, the schema in the server, the page cache
        samples: dict[str, list[float]] = {"status": [], "status --from": [], "manifest": []}
        for _ in range(runs):
            samples["status"].append(process(root, live, env)[0])
            samples["status --from"].append(
                process(root, [*ours, "status", *release, "--from", str(snapshot)], env)[0]
            )
            samples["manifest"].append(process(root, [*ours, "manifest", *release, "--no-cache"], env)[0])
        requests = len(github.received) // (runs + 1)
    github.stop()
    medians = {name: statistics.median(values) for name, values in samples.items()}
    print(f"\nstatus: {KEPS} KEPs, {KEPS * PULLS_PER_KEP} pull requests, {requests} requests a run")
    mark = f"target <= {STATUS_TARGET:.0f} s: {'met' if medians['status'] <= STATUS_TARGET else 'MISSED'}"
    print(f"  status (local GitHub):  {medians['status'] * 1000:7.0f} ms  ({mark})")
    ratio = medians["status --from"] / medians["manifest"]
    print(
        f"  status --from snapshot: {medians['status --from'] * 1000:7.0f} ms  ({ratio:.2f}x manifest, "
        f"{medians['manifest'] * 1000:.0f} ms)"
    )
    return 0


if __name__ == "__main__":
    import subprocess
    import time

    def _process(cwd: Path, argv: list[str], env: dict[str, str]) -> tuple[float, int]:
        started = time.perf_counter()
        done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, check=False)
        if done.returncode not in (0, 1):
            raise SystemExit(f"bench: {' '.join(argv)} exited {done.returncode}: {done.stderr[-500:]!r}")
        return time.perf_counter() - started, 0

    raise SystemExit(bench_status(int(sys.argv[1]) if len(sys.argv) > 1 else 5, _process, dict(os.environ)))
