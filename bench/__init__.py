"""watcher's benchmark harness: matcher throughput, ingest, rescan and memory on Reuters-21578.

Run it with `python bench/run.py` (see bench/README.md). Not run by pytest; the smoke test
in tests/bench/ checks the harness itself on a few hundred articles.
"""
