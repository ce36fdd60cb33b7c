"""`python bench/run.py [--quick] [--out FILE.json]`: one benchmark run, table and JSON.

1. Generate both rule families from the corpus (../shared/corpora/ beside the
   repository) at the largest size; a larger set starts with the smaller ones.
2. Analysis floor: the analyzer alone over every article, in a fresh process.
3. Matcher: one fresh process per (family, size): compile, index, median of full passes,
   peak RSS, then the naive matcher on a sample, which must agree with the percolator.
4. Ingest: the corpus as seeds files in a temporary folder; the read-parse-insert floor;
   `watcher scan` with 1,000 realistic rules on SQLite; a rescan of the unchanged folder.
5. Feeds: a rebuild of every feed with 100,000 hits stored, and the rebuild after one hit.
6. Start-up: `watcher --version`, `--help`, `status` and an unchanged `scan` as whole
   processes, each beside `python -c pass` in the same rounds.
Then the table is printed, the targets checked, and the JSON written. Every step that
reads the corpus runs in a fresh process (`bench/worker.py`), so this one stays small.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make the `bench` package importable
    sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Mapping, Sequence  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from datetime import UTC, datetime  # noqa: E402
from typing import Any  # noqa: E402

from bench import rulegen  # noqa: E402
from bench.corpus import CorpusMissingError, corpus_path  # noqa: E402
from bench.ingest import IngestCheckError, measure_ingest  # noqa: E402
from bench.matcher import DisagreementError  # noqa: E402
from bench.peer import available as peer_version  # noqa: E402
from bench.report import print_report  # noqa: E402
from bench.schema import problems  # noqa: E402
from bench.startup import measure_startup  # noqa: E402
from bench.targets import evaluate  # noqa: E402
from bench.worker import run_job  # noqa: E402

Say = Callable[[str], None]


class BenchError(RuntimeError):
    """A measurement failed; the message says which and why."""


@dataclass(frozen=True, slots=True)
class Plan:
    """How much to measure: `full` (the record), `quick` (a check) or `smoke` (the tests)."""

    mode: str
    sizes: tuple[int, ...]
    matcher_repetitions: int
    ingest_repetitions: int
    naive_seconds: float | None  # the naive matcher's time budget; None: every article
    limit: int | None = None  # articles read from the corpus (None: all)
    peer_seconds: float | None = 10.0  # the peer's time budget per size; None: every article
    ingest_rules: int = 1_000
    feeds_hits: int = 100_000
    isolate: bool = True  # each measurement in a fresh process (the smoke test runs them here)


PLANS: Mapping[str, Plan] = {
    "full": Plan("full", (100, 1_000, 10_000, 100_000), 3, 3, 10.0),
    "quick": Plan("quick", (100, 1_000, 10_000), 2, 1, 2.0, feeds_hits=20_000, peer_seconds=2.0),
    "smoke": Plan(
        "smoke",
        (100,),
        1,
        1,
        None,
        limit=300,
        peer_seconds=None,
        ingest_rules=100,
        feeds_hits=2_000,
        isolate=False,
    ),
}


def _processor() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    lines = cpuinfo.read_text(encoding="utf-8").splitlines() if cpuinfo.is_file() else []
    names = [line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")]
    return names[0] if names else platform.processor() or "unknown processor"


def _load() -> list[float]:
    """1, 5 and 15 minute load averages: other work on the machine skews the timings."""
    return [round(x, 2) for x in os.getloadavg()]


def machine_info() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "cpu_count": os.cpu_count(),
        "processor": _processor(),
        "platform": platform.platform(),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def code_state() -> dict[str, Any]:
    """Which watcher code was measured: git HEAD and a hash of every watcher/*.py as it is
    (uncommitted edits included), so that runs can be compared and mixed runs noticed."""
    digest = hashlib.sha256()
    for path in sorted((ROOT / "watcher").rglob("*.py")):
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    git = shutil.which("git")
    head = (
        subprocess.run(  # noqa: S603 - git itself, fixed arguments
            [git, "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        if git
        else ""
    )
    return {"git_head": head or None, "watcher_sha256": digest.hexdigest()[:16]}


def run_worker(job: Mapping[str, Any], workdir: Path, *, isolate: bool = True) -> dict[str, Any]:
    """Run one step in a fresh process (`bench/worker.py`); its result, or BenchError."""
    if not isolate:
        return _in_process(job)
    stem = f"{job['kind']}-{job.get('family', '')}-{job.get('rules', '')}-{time.monotonic_ns()}"
    job_file, result_file = workdir / f"{stem}.job.json", workdir / f"{stem}.result.json"
    job_file.write_text(json.dumps(job), encoding="utf-8")
    command = [sys.executable, "-m", "bench.worker", str(job_file), str(result_file)]
    done = subprocess.run(  # noqa: S603 - our own interpreter and module
        command, cwd=ROOT, stderr=subprocess.PIPE, text=True, check=False
    )
    if done.returncode != 0:
        reason = done.stderr.strip() or f"exit code {done.returncode}"
        raise BenchError(f"{job['kind']} measurement failed: {reason}")
    result: dict[str, Any] = json.loads(result_file.read_text(encoding="utf-8"))
    return result


def _in_process(job: Mapping[str, Any]) -> dict[str, Any]:
    try:
        result = run_job(job)
    except (DisagreementError, rulegen.RuleGenError) as exc:
        raise BenchError(f"{job['kind']} measurement failed: {exc}") from exc
    copied: dict[str, Any] = json.loads(json.dumps(result))  # as a result file would give it
    return copied


def _peer(say: Say) -> dict[str, str] | None:
    version = peer_version()
    if version is None:
        say("peer: tantivy is not installed (pip install -e '.[bench]'): no peer figures")
        return None
    return {"name": "tantivy", "version": version}


def _matcher_runs(
    plan: Plan,
    *,
    files: Mapping[str, Path],
    corpus: Path,
    workdir: Path,
    say: Say,
    peer: Mapping[str, str] | None,
) -> list[dict[str, Any]]:
    runs = []
    for family in rulegen.FAMILIES:
        for size in plan.sizes:
            say(f"matcher: {family}, {size:,} rules ...")
            job = {
                "kind": "matcher",
                "family": family,
                "rules": size,
                "rules_file": str(files[family]),
                "repetitions": plan.matcher_repetitions,
                "naive_seconds": plan.naive_seconds,
                "corpus": str(corpus),
                "limit": plan.limit,
                "peer": peer is not None,
                "peer_seconds": plan.peer_seconds,
            }
            run = run_worker(job, workdir, isolate=plan.isolate)
            versus_peer = "" if peer is None else f"{run['ratio_vs_peer']:.2f}x tantivy, "
            say(
                f"  {run['articles_per_s']:,.0f} articles/s, {run['ratio_vs_naive']:,.0f}x naive, "
                f"{versus_peer}{run['peak_rss_mib']:,.0f} MiB"
            )
            runs.append(run)
    return runs


def _ingest(
    plan: Plan, corpus: Path, rules_file: Path, workdir: Path, say: Say
) -> tuple[dict[str, Any], dict[str, Any]]:
    seeds = workdir / "seeds"
    job = {"kind": "seeds", "corpus": str(corpus), "limit": plan.limit, "folder": str(seeds)}
    files = run_worker(job, workdir, isolate=plan.isolate)["files"]
    say(f"ingest floor: {files:,} files ...")
    floor_job = {"kind": "floor", "seeds": str(seeds), "workdir": str(workdir)}
    floor = run_worker(
        {**floor_job, "repetitions": plan.ingest_repetitions}, workdir, isolate=plan.isolate
    )
    rules = rulegen.read_rules(rules_file, plan.ingest_rules)
    say(f"watcher scan: {files:,} files, {len(rules):,} rules ...")
    try:
        ingest, rescan = measure_ingest(files, rules, seeds, workdir, plan.ingest_repetitions)
    except IngestCheckError as exc:
        raise BenchError(str(exc)) from exc
    ingest["floor_seconds"] = floor["seconds"]
    ingest["floor"] = floor
    say(
        f"  {ingest['seconds']:.2f} s (floor {floor['seconds']:.2f} s), "
        f"rescan {rescan['seconds']:.2f} s"
    )
    return ingest, rescan


def run_bench(
    plan: Plan,
    workdir: Path,
    *,
    corpus: Path | None = None,
    seed: int = rulegen.DEFAULT_SEED,
    say: Say = print,
) -> dict[str, Any]:
    """Every measurement of `plan`, each in a fresh process; the results as the JSON document."""
    path = corpus_path(corpus)
    code, load_start = code_state(), _load()
    say(f"rules: both families, {max(plan.sizes):,} each, from {path} ...")
    count = max(*plan.sizes, plan.ingest_rules)
    rules_job = {"kind": "rules", "corpus": str(path), "limit": plan.limit, "count": count}
    rule_info = run_worker(
        {**rules_job, "seed": seed, "workdir": str(workdir)}, workdir, isolate=plan.isolate
    )
    files = {family: Path(name) for family, name in rule_info.pop("files").items()}
    say("analysis floor ...")
    analysis_job = {"kind": "analysis", "corpus": str(path), "limit": plan.limit}
    floor = run_worker(
        {**analysis_job, "repetitions": plan.matcher_repetitions}, workdir, isolate=plan.isolate
    )
    peer = _peer(say)
    matcher = _matcher_runs(plan, files=files, corpus=path, workdir=workdir, say=say, peer=peer)
    ingest, rescan = _ingest(plan, path, files["realistic"], workdir, say)
    say(f"feeds: every feed with {plan.feeds_hits:,} hits stored ...")
    feeds = run_worker({"kind": "feeds", "hits": plan.feeds_hits}, workdir, isolate=plan.isolate)
    say("start-up: whole processes beside python -c pass ...")
    startup = measure_startup(workdir, plan.mode)
    results: dict[str, Any] = {
        "mode": plan.mode,
        "machine": {**machine_info(), "loadavg_start": load_start, "loadavg_end": _load()},
        "corpus": {"path": str(path), "articles": floor["articles"], "limit": plan.limit},
        "rulegen": rule_info,
        "naive_budget_s": plan.naive_seconds,
        "peer": peer,
        "peer_budget_s": plan.peer_seconds,
        "analysis_floor": floor,
        "matcher": matcher,
        "ingest": ingest,
        "rescan": rescan,
        "feeds": feeds,
        "startup": startup,
        "code": code,
    }
    if code_state() != code:
        code["changed_during_run"] = True
        say("warning: watcher's code changed during the run: the figures mix versions")
    results["targets"] = evaluate(results)
    missing = problems(results)
    if missing:
        raise BenchError("results incomplete: " + "; ".join(missing))
    return results


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="watcher's benchmark (see bench/README.md).")
    modes = parser.add_mutually_exclusive_group()
    modes.add_argument("--quick", action="store_true", help="up to 10,000 rules; under 2 minutes")
    modes.add_argument(
        "--smoke", action="store_true", help="300 articles, 100 rules: checks the harness"
    )
    parser.add_argument(
        "--out", type=Path, help="JSON file (default: bench/results/DATE-MODE.json)"
    )
    parser.add_argument("--corpus", type=Path, help="the corpus file (default: ../shared/corpora/)")
    parser.add_argument(
        "--seed", type=int, default=rulegen.DEFAULT_SEED, help="rule generation seed"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _arguments(argv)
    plan = PLANS["quick" if args.quick else "smoke" if args.smoke else "full"]
    started = time.perf_counter()
    try:
        with tempfile.TemporaryDirectory(prefix="watcher-bench-") as tmp:
            results = run_bench(plan, Path(tmp), corpus=args.corpus, seed=args.seed)
    except (BenchError, CorpusMissingError, rulegen.RuleGenError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    results["wall_s"] = time.perf_counter() - started
    print_report(results)
    day = results["machine"]["date"][:10]
    out = args.out or ROOT / "bench" / "results" / f"{day}-{plan.mode}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"results written to {out} ({results['wall_s']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
