"""The measuring process: `python -m bench.worker JOB.json RESULT.json`.

run.py starts one per step that reads the corpus or is measured (rule generation, seeds
files, the analysis floor, each matcher configuration, the ingest floor), so that each has
a clean heap and its own peak RSS, and run.py itself stays small: on Linux a child
process starts with its parent's peak RSS as its own. Exit 0 with the result
written; 3 when the naive matcher and the percolator disagree; 2 when a generated rule
does not compile. The reason goes to stderr, one line.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from bench import rulegen
from bench.corpus import load_docs
from bench.feeds_bench import bench_feeds
from bench.ingest import measure_floor, write_seeds
from bench.matcher import DisagreementError, MatcherJob, measure_analysis, measure_matcher
from bench.rulegen import RuleGenError

EXIT_DISAGREE = 3
EXIT_BAD_RULE = 2


def make_rules(
    corpus: str | None, limit: int | None, count: int, seed: int, workdir: str
) -> dict[str, Any]:
    """Both rule families, `count` rules each, as JSON files in `workdir`; timings."""
    docs = load_docs(None if corpus is None else Path(corpus), limit)
    started = time.perf_counter()
    stats = rulegen.corpus_stats(docs)
    info: dict[str, Any] = {"seed": seed, "rules": count, "stats_s": time.perf_counter() - started}
    files = {}
    for family in rulegen.FAMILIES:
        started = time.perf_counter()
        rules = rulegen.generate(family, stats, count, seed)
        info[f"{family}_generate_s"] = time.perf_counter() - started
        files[family] = str(Path(workdir) / f"rules-{family}.jsonl")
        rulegen.write_rules(rules, Path(files[family]))
    info["files"] = files
    return info


def make_seeds(corpus: str | None, limit: int | None, folder: str) -> dict[str, Any]:
    """The corpus as seeds-layout files in `folder` (a temporary folder)."""
    docs = load_docs(None if corpus is None else Path(corpus), limit)
    return {"files": len(docs), "bytes": write_seeds(docs, Path(folder))}


JOBS: Mapping[str, Callable[..., dict[str, Any]]] = {
    "rules": make_rules,
    "seeds": make_seeds,
    "analysis": measure_analysis,
    "matcher": lambda **params: measure_matcher(MatcherJob(**params)),
    "floor": measure_floor,
    "feeds": bench_feeds,
}


def run_job(job: Mapping[str, Any]) -> dict[str, Any]:
    """Dispatch one job by its `kind` (a key of JOBS); the rest are its parameters."""
    kind = job["kind"]
    if kind not in JOBS:
        raise ValueError(f"unknown job kind {kind!r}")
    return JOBS[kind](**{k: v for k, v in job.items() if k != "kind"})


def main(argv: list[str]) -> int:
    job_path, result_path = Path(argv[1]), Path(argv[2])
    try:
        result = run_job(json.loads(job_path.read_text(encoding="utf-8")))
    except DisagreementError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_DISAGREE
    except RuleGenError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_RULE
    result_path.write_text(json.dumps(result), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
