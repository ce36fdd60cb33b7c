"""watcher: a self-hosted keyword-alerting daemon over a folder of articles."""

__version__ = "0.1.0"
