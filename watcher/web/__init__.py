"""The read-only web server: feed files, an HTML index and article pages, /healthz, /metrics."""

from watcher.web.app import build_app

__all__ = ["build_app"]
