"""Runs the app saves: where they go (``runs/``, relative to the server's working directory),
how a new one is named, how one is packed for download, and which ones are there."""
from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

RUNS = Path("runs")


def new_run_folder() -> Path:
    """A new, empty folder under ``runs/`` for a run saved now, named by the time. It is created
    here, so that two visitors saving in the same second get two folders, not one overwritten."""
    stamp = time.strftime("train-%Y%m%d-%H%M%S")
    RUNS.mkdir(parents=True, exist_ok=True)
    for suffix in ["", *(f"-{n}" for n in range(2, 1000))]:
        try:
            (RUNS / (stamp + suffix)).mkdir()
            return RUNS / (stamp + suffix)
        except FileExistsError:
            continue
    raise RuntimeError(f"{RUNS}: 999 runs saved within one second")


def zipped(folder: Path) -> bytes:
    """The files of ``folder`` as a zip archive that unpacks into a folder of the same name."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in folder.iterdir():
            archive.write(file, f"{folder.name}/{file.name}")
    return buffer.getvalue()


def saved_runs() -> list[str]:
    """The saved runs' folders (those with a config.json), sorted."""
    return sorted(str(p.parent) for p in RUNS.glob("*/config.json")) if RUNS.is_dir() else []
