"""The matcher: an index from terms to rules, evaluation of candidates, highlighting."""

from watcher.percolator.highlight import mark_all, snippet
from watcher.percolator.index import Percolator

__all__ = ["Percolator", "mark_all", "snippet"]
