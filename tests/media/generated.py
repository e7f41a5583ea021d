"""Recordings generated with ffmpeg at test time, made so a test can tell where playback is.

* Video: every frame shows its own index as 16 black/white bars (bit 0 on the
  left), which survives any codec; a snapshot tells which frame is shown.
* Audio: silence with a short click at every whole second; the samples
  libVLC hands out after a seek tell how far it is to the next click.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

FPS = 25
FRAME_MS = 1000 // FPS
BITS = 16
CLICK_RATE = 8000  # Hz, the PCM format the click detector asks libVLC for

VIDEO_CODECS = {
    "mp4": ["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-g", "250",
            "-c:a", "aac", "-movflags", "+faststart"],
    "mkv": ["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-g", "250", "-c:a", "aac"],
    "webm": ["-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "200k", "-g", "250",
             "-c:a", "libopus"],
}
AUDIO_CODECS = {"wav": ["-c:a", "pcm_s16le"], "mp3": ["-c:a", "libmp3lame", "-b:a", "64k"],
                "m4a": ["-c:a", "aac", "-b:a", "64k"]}


def ffmpeg_reason() -> str | None:
    """Why recordings cannot be generated here, or None."""
    return None if shutil.which("ffmpeg") else "ffmpeg is not installed (apt-get install ffmpeg)"


def make_video(path: Path, seconds: float, size: str = "160x48") -> Path:
    """A frame-coded video with a 440 Hz tone; the container follows ``path``'s suffix."""
    bars = f"geq=lum='255*mod(floor(N/pow(2,floor(X*{BITS}/W))),2)':cb=128:cr=128"
    _run(["-f", "lavfi", "-i", f"color=c=black:s={size}:r={FPS}:d={seconds}",
          "-f", "lavfi", "-i", f"sine=f=440:d={seconds}", "-vf", bars,
          *VIDEO_CODECS[path.suffix[1:]], "-shortest", str(path)])
    return path


def make_clicks(path: Path, seconds: float) -> Path:
    """Silence with a 5 ms click at every whole second; the codec follows the suffix."""
    clicks = "aevalsrc='if(lt(mod(t\\,1)\\,0.005)\\,0.9*sin(2*PI*1000*t)\\,0)':s=44100:d=" + str(seconds)
    _run(["-f", "lavfi", "-i", clicks, "-ac", "1", *AUDIO_CODECS[path.suffix[1:]], str(path)])
    return path


def frame_index(png: Path) -> int:
    """The frame number coded in a snapshot of a :func:`make_video` file."""
    from PySide6.QtGui import QImage

    img = QImage(str(png))
    if img.isNull():
        raise ValueError(f"not an image: {png}")
    n = 0
    for bit in range(BITS):
        if img.pixelColor(int((bit + 0.5) * img.width() / BITS), img.height() // 2).value() > 128:
            n |= 1 << bit
    return n


def _run(args: list[str]) -> None:
    subprocess.run(["ffmpeg", "-y", "-loglevel", "error", *args], check=True, timeout=600)
