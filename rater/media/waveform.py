"""Waveforms of recordings: peak levels per 100 ms, decoded by ffmpeg, cached by checksum.

No Qt here: the UI runs :func:`waveform_for` on a worker thread and passes
a progress callback.  ffmpeg (Debian's ``ffmpeg`` package) decodes the
audio track of any recording — audio files and videos alike — to 8 kHz
mono PCM on a pipe; reducing that to one peak per bucket is numpy's work.
A 60-minute recording takes ~2.5 s of CPU (bench/bench_waveform.py).

The cache sits beside the database in ``waveforms/`` and is keyed by the
recording's checksum, so a renamed or moved file keeps its waveform and a
changed file gets a new one.  Cache files are written atomically.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np

from rater.fileio import atomic_file

log = logging.getLogger(__name__)

BUCKET_MS = 100
RATE = 8000  # Hz; a waveform needs no more
_SAMPLES_PER_BUCKET = RATE * BUCKET_MS // 1000
_CHUNK_BYTES = _SAMPLES_PER_BUCKET * 2 * 600  # one minute of PCM per read
MAGIC = b"RWAV1\n"  # cache file header, then uint8 peaks (0–255)

Progress = Callable[[float], None]  # fraction done, 0–1


class WaveformError(Exception):
    """The waveform cannot be made; ``str(err)`` says why, for people."""


class Cancelled(WaveformError):
    """The caller stopped the computation."""


def ffmpeg_path() -> str | None:
    """The ffmpeg executable, or None when it is not installed."""
    return shutil.which("ffmpeg")


def cache_path(cache_dir: Path, checksum: str) -> Path:
    """Where the waveform of the recording with ``checksum`` is kept."""
    return cache_dir / f"{checksum}.wave"


def read_cache(path: Path) -> np.ndarray | None:
    """Peaks from a cache file, or None when it is missing or not a waveform file."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if not data.startswith(MAGIC):
        log.warning("ignoring %s: not a waveform cache file", path)
        return None
    return np.frombuffer(data[len(MAGIC):], dtype=np.uint8).copy()


def write_cache(path: Path, peaks: np.ndarray) -> None:
    """Keep ``peaks`` (uint8) in ``path``, never half-written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_file(path, "wb", permissions=0o644) as fh:
        fh.write(MAGIC)
        fh.write(np.asarray(peaks, dtype=np.uint8).tobytes())


def compute_peaks(path: str | Path, duration_ms: int, progress: Progress | None = None,
                  cancel: threading.Event | None = None) -> np.ndarray:
    """One peak per 100 ms of the recording's (first) audio track, scaled to 0–255.

    Raises :class:`WaveformError` when ffmpeg is missing or the file has no
    audio it can decode, :class:`Cancelled` when ``cancel`` is set.
    """
    exe = ffmpeg_path()
    if exe is None:
        raise WaveformError("No waveform: ffmpeg is not installed (apt-get install ffmpeg).")
    cmd = [exe, "-nostdin", "-loglevel", "error", "-i", str(path), "-vn", "-sn", "-map", "0:a:0",
           "-ac", "1", "-ar", str(RATE), "-f", "s16le", "-"]
    peaks: list[np.ndarray] = []
    total_buckets = max(1, duration_ms // BUCKET_MS)
    done = 0
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
        try:
            rest = b""
            while chunk := proc.stdout.read(_CHUNK_BYTES):
                if cancel is not None and cancel.is_set():
                    raise Cancelled("Waveform computation cancelled.")
                data = rest + chunk
                usable = len(data) - len(data) % (_SAMPLES_PER_BUCKET * 2)
                rest = data[usable:]
                if usable:
                    samples = np.frombuffer(data[:usable], dtype="<i2").reshape(-1, _SAMPLES_PER_BUCKET)
                    peaks.append(np.abs(samples.astype(np.int32)).max(axis=1))
                    done += samples.shape[0]
                    if progress is not None:
                        progress(min(1.0, done / total_buckets))
            if len(rest) >= 2:
                tail = np.frombuffer(rest[: len(rest) - len(rest) % 2], dtype="<i2")
                peaks.append(np.array([np.abs(tail.astype(np.int32)).max()]))
        finally:
            if proc.poll() is None:
                proc.kill()
            errors = proc.stderr.read().decode(errors="replace").strip()
    if proc.returncode not in (0, None) and not (cancel is not None and cancel.is_set()):
        log.warning("ffmpeg failed on %s: %s", path, errors)
        raise WaveformError(f"No waveform: the recording's sound could not be decoded ({errors[:200]}).")
    if not peaks:
        raise WaveformError("No waveform: the recording has no sound track.")
    values = np.concatenate(peaks).astype(np.float64)
    top = float(values.max()) or 1.0
    # Square-root scaling: speech is quiet next to the loudest peak, and must still show.
    return np.round(np.sqrt(values / top) * 255).astype(np.uint8)


def waveform_for(path: str | Path, checksum: str, duration_ms: int, cache_dir: Path,
                 progress: Progress | None = None, cancel: threading.Event | None = None) -> np.ndarray:
    """The recording's peaks, from the cache when it has them, else computed and cached."""
    cached = read_cache(cache_path(cache_dir, checksum))
    if cached is not None:
        if progress is not None:
            progress(1.0)
        return cached
    peaks = compute_peaks(path, duration_ms, progress, cancel)
    try:
        write_cache(cache_path(cache_dir, checksum), peaks)
    except OSError as exc:
        log.warning("waveform not cached in %s: %s", cache_dir, exc)
    return peaks
