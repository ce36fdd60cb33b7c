"""`watcher run`: the scheduler, filesystem events, reloads, locks and the web server in one
process. Only wiring: the work itself is `watcher.jobs`, plain functions tests call directly."""
