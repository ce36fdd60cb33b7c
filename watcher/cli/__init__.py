"""The `watcher` command line: thin commands over the services."""
