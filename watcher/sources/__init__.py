"""Intake beyond the folder: feeds polled over HTTP, articles posted to the API.

Both hand `Article`s to the same archive and matching as the folder's scan (`watcher.ingest`).
This package's modules are imported by what uses them; importing it costs nothing.
"""
