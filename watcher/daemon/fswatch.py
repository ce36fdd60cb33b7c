"""Filesystem events -> calls: a file changed under seeds_dir, a config or rule file changed.

watchdog reports every write; the callbacks given here only ask for a scan or a reload,
which the scheduler debounces. Hidden and temporary names are ignored as the scan ignores
them. The interval scan stays the safety net for events a network filesystem never sends.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from watcher.articles.discover import is_skipped_name

log = logging.getLogger(__name__)


class _Calls(FileSystemEventHandler):
    """Calls `on_change` for an event on a path that `wanted` accepts."""

    def __init__(self, wanted: Callable[[Path], bool], on_change: Callable[[], None]) -> None:
        self.wanted = wanted
        self.on_change = on_change

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write"):
            return  # reading a file is not changing it
        paths = [event.src_path, getattr(event, "dest_path", "")]
        if any(path and self.wanted(Path(str(path))) for path in paths):
            self.on_change()


def _article_path(path: Path) -> bool:
    return not is_skipped_name(path.name)


def _config_path(path: Path) -> bool:
    return path.suffix in (".yaml", ".yml") and not is_skipped_name(path.name)


def watch(
    seeds_dir: Path,
    config_dirs: Iterable[Path],
    *,
    on_articles: Callable[[], None],
    on_config: Callable[[], None],
) -> Observer:  # type: ignore[valid-type]
    """A started observer: changes under `seeds_dir` call `on_articles`, changes to YAML files
    under `config_dirs` (config/, with a rules.d/ made later) call `on_config`."""
    observer = Observer()
    if seeds_dir.is_dir():
        observer.schedule(_Calls(_article_path, on_articles), str(seeds_dir), recursive=True)
    else:
        log.warning("seeds_dir %s is not a folder: only the interval scan will look", seeds_dir)
    for folder in config_dirs:
        if folder.is_dir():
            observer.schedule(_Calls(_config_path, on_config), str(folder), recursive=True)
    observer.daemon = True
    observer.start()
    return observer
