"""`watcher init DIR`: a working project folder (config/, seeds/ with the example, var/)."""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from collections.abc import Mapping
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

import click

from watcher.errors import ConfigError, Location, WatcherError

SKELETON = files("watcher") / "skeleton"


@click.command()
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False), default=".")
def init(directory: Path) -> None:
    """Write a working config/, seeds/ (with an example article) and var/ into DIRECTORY."""
    planned = list(_skeleton_files(SKELETON, Path()))
    clashes = [rel for rel, _ in planned if (directory / rel).exists()]
    if clashes:
        raise ConfigError(
            "already exists; watcher init never overwrites — remove it or choose another folder",
            Location(directory / clashes[0]),
        )
    try:
        for rel, source in planned:
            target = directory / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(source.read_bytes())
        (directory / "var").mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WatcherError(
            f"cannot write into {directory}: {exc.strerror or exc} — choose a folder you can"
            " write to"
        ) from exc
    folder = shlex.quote(str(directory))
    click.echo(
        f"wrote {len(planned)} files into {directory}; next: cd {folder} && {command_name()} scan"
    )


def command_name(environ: Mapping[str, str] | None = None) -> str:
    """How the user can run this very `watcher`: its bare name when PATH finds it, else its
    full path (a virtualenv's bin/ is often not on PATH)."""
    environ = os.environ if environ is None else environ
    running = Path(sys.argv[0])
    if running.name != "watcher" or not running.is_file():
        running = Path(sys.executable).parent / "watcher"
    on_path = shutil.which("watcher", path=environ.get("PATH", ""))
    if on_path is not None and Path(on_path).resolve() == running.resolve():
        return "watcher"
    return shlex.quote(str(running.absolute()))


def _skeleton_files(node: Traversable, rel: Path) -> list[tuple[Path, Traversable]]:
    found: list[tuple[Path, Traversable]] = []
    for child in sorted(node.iterdir(), key=lambda c: c.name):
        if child.name == "__pycache__":
            continue
        if child.is_dir():
            found.extend(_skeleton_files(child, rel / child.name))
        else:
            found.append((rel / child.name, child))
    return found
