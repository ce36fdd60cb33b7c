"""Hits as feeds: RSS 2.0 and Atom 1.0 per rule, per tag and for all, plus an OPML of them.

`build_all` rewrites every feed (`watcher feeds build`); `build_since` only those that the hits
recorded since a time touch (after a scan). Files change only when their content does.
"""

from watcher.feeds.build import BuildReport, build_all, build_since
from watcher.feeds.plan import FeedSpec, Site, plan_feeds

__all__ = ["BuildReport", "FeedSpec", "Site", "build_all", "build_since", "plan_feeds"]
