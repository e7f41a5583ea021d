#!/usr/bin/env python3
"""Generate the demo therapy-session recordings in this folder.

A developer tool, never run by the app: the generated files are committed so
that neither the app nor the tests need ffmpeg or a speech synthesiser.

Needs ``espeak-ng`` and ``ffmpeg`` (built with libx264, libmp3lame and the
drawtext filter) on PATH; on Debian: ``apt-get install espeak-ng ffmpeg``.

    python rater/resources/demo/make_demo_media.py          # writes next to this file
    python rater/resources/demo/make_demo_media.py OUT_DIR

Each recording is a scripted, synthetic dialogue between a therapist and a
client (two espeak-ng voices with different pitch).  Video files show a plain
coloured background with the speaker's name, the line being spoken and a
running clock, so a seek can be checked by eye.  The mp4 files are written
*without* ``+faststart``: like a real recorder they keep the index (moov) at
the end, so a truncated copy is undecodable, which the tests rely on.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import textwrap
import wave
from dataclasses import dataclass
from pathlib import Path

RATE = 22050  # espeak-ng's native sample rate; resampling would only add size
GAP_S = 0.45  # pause between turns, so the dialogue does not sound rushed
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
FONT_BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"

VOICES = {
    "Therapist": ("en-us+f3", 42, 150, "0x7fb8ff"),
    "Client": ("en-us+m3", 62, 160, "0xffc46b"),
}

T, C = "Therapist", "Client"

HOMEWORK_REVIEW = [
    (T, "Welcome back. Before we set the agenda, let's look at the homework from last week."),
    (C, "Okay. I did the activity schedule on four of the seven days."),
    (T, "Four days is a real start. What did you notice on the days you filled it in?"),
    (C, "My mood was a bit better on the days I went for a walk in the morning."),
    (T, "That is useful information. And what got in the way on the other three days?"),
    (C, "I woke up tired and thought, what's the point, nothing will help anyway."),
    (T, "That thought sounds important. How strongly did you believe it, from zero to one hundred?"),
    (C, "Maybe eighty. It felt completely true at the time."),
    (T, "Let's keep that thought in mind. We can look at it more closely later today."),
    (C, "Okay. I'm not sure it will change anything, but I can try."),
    (T, "That's fair. Trying it out is exactly what the next exercise is about."),
]

THOUGHT_RECORD = [
    (T, "I'd like to introduce a tool called a thought record. It has five columns."),
    (T, "First the situation: where you were and what was happening."),
    (C, "So, like, lying in bed on Tuesday morning?"),
    (T, "Exactly. Next, the automatic thought, in your own words, and how much you believe it."),
    (C, "What's the point, nothing will help. Eighty percent."),
    (T, "Then the emotion and its intensity. What did you feel?"),
    (C, "Hopeless. And sad. About seventy."),
    (T, "Then we look at the evidence for and against the thought, and write a more balanced one."),
    (C, "Against it, I guess the walks did help a little."),
    (T, "Good. This week, could you fill in one thought record whenever your mood drops?"),
    (C, "I can try that. One a day sounds doable."),
    (T, "Great. Bring it along next week and we will go through it together."),
]

MOOD_CHECK = [
    (T, "How has your mood been since we last met, on a scale from zero to ten?"),
    (C, "Around a four. A little better than last week."),
    (T, "What would you like to put on the agenda today?"),
    (C, "I want to talk about work, and about sleeping too late."),
    (T, "Let's start with the homework review, then work, then sleep. Does that sound right?"),
    (C, "Yes, that works for me."),
]

CLOSING = [
    (T, "Let's stop here for today. See you next week."),
]


@dataclass(frozen=True)
class Recording:
    name: str
    title: str
    lines: list[tuple[str, str]]
    video: bool


RECORDINGS = [
    Recording("demo_homework_review.mp4", "Homework review", HOMEWORK_REVIEW, True),
    Recording("demo_thought_record.mp3", "Assigning a thought record", THOUGHT_RECORD, False),
    Recording("demo_mood_check.m4a", "Mood check and agenda", MOOD_CHECK, False),
    Recording("demo_closing_clip.mp4", "Closing (short clip)", CLOSING, True),
]


def speak(text: str, speaker: str, out: Path) -> None:
    """Synthesise one line into a mono 22.05 kHz WAV file."""
    voice, pitch, speed, _ = VOICES[speaker]
    cmd = ["espeak-ng", "-v", voice, "-p", str(pitch), "-s", str(speed), "-w", str(out), text]
    subprocess.run(cmd, check=True)


def build_dialogue(lines: list[tuple[str, str]], work: Path) -> tuple[Path, list[tuple[float, float, str, str]]]:
    """Concatenate the spoken lines with pauses; return the WAV and each turn's timing."""
    silence = b"\0\0" * int(RATE * GAP_S)
    frames = [silence]
    cues = []
    t = GAP_S
    for i, (speaker, text) in enumerate(lines):
        part = work / f"line{i:02d}.wav"
        speak(text, speaker, part)
        with wave.open(str(part)) as w:
            assert w.getframerate() == RATE and w.getnchannels() == 1
            data = w.readframes(w.getnframes())
        dur = len(data) / 2 / RATE
        cues.append((t, t + dur, speaker, text))
        frames += [data, silence]
        t += dur + GAP_S
    out = work / "dialogue.wav"
    with wave.open(str(out), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(b"".join(frames))
    return out, cues


def caption_filters(rec: Recording, cues: list[tuple[float, float, str, str]], work: Path) -> str:
    """An ffmpeg filter graph drawing title, speaker, wrapped line and clock."""
    # Text goes through textfile= so that quotes and commas need no escaping.
    title = work / "title.txt"
    title.write_text(f"Demo session (synthetic) - {rec.title}")
    parts = [
        f"drawtext=fontfile={FONT}:textfile={title}:fontsize=14:fontcolor=0xb0b8c0:x=14:y=12",
        f"drawtext=fontfile={FONT}:text='%{{pts\\:hms}}':fontsize=14:fontcolor=0xb0b8c0:x=w-tw-14:y=h-th-12",
    ]
    for i, (start, end, speaker, text) in enumerate(cues):
        colour = VOICES[speaker][3]
        enable = f"enable='between(t,{start:.2f},{end + GAP_S:.2f})'"
        name_file = work / f"name{i:02d}.txt"
        name_file.write_text(speaker)
        text_file = work / f"text{i:02d}.txt"
        text_file.write_text("\n".join(textwrap.wrap(text, 38)))
        parts.append(f"drawbox=x=0:y=0:w=8:h=ih:color={colour}:t=fill:{enable}")
        parts.append(
            f"drawtext=fontfile={FONT_BOLD}:textfile={name_file}:fontsize=26:fontcolor={colour}:x=30:y=70:{enable}"
        )
        parts.append(
            f"drawtext=fontfile={FONT}:textfile={text_file}:fontsize=18:fontcolor=white:"
            f"line_spacing=6:x=30:y=115:{enable}"
        )
    return ",".join(parts)


def encode(rec: Recording, wav: Path, cues: list, work: Path, out: Path) -> None:
    """Encode one recording with ffmpeg (H.264 + AAC mp4, MP3, or AAC m4a)."""
    base = ["ffmpeg", "-y", "-hide_banner", "-loglevel", "error"]
    tags = ["-map_metadata", "-1", "-metadata", f"title=Demo session: {rec.title}"]
    if not rec.video:
        if out.suffix == ".mp3":
            # No Xing/Info header: libVLC 3.0 misreads LAME's CBR Info tag and
            # parses a 57.6 s file as 49.4 s; plain CBR frames give the exact length.
            codec = ["-c:a", "libmp3lame", "-b:a", "48k", "-write_xing", "0"]
        else:
            codec = ["-c:a", "aac", "-b:a", "40k"]
        subprocess.run([*base, "-i", str(wav), *codec, *tags, str(out)], check=True)
        return
    graph = work / "graph.txt"
    graph.write_text(f"[0:v]{caption_filters(rec, cues, work)}[v]")
    duration = cues[-1][1] + GAP_S
    video_src = f"color=c=0x1e2630:s=480x270:r=5:d={duration:.2f}"
    cmd = [
        *base,
        "-f",
        "lavfi",
        "-i",
        video_src,
        "-i",
        str(wav),
        "-filter_complex_script",
        str(graph),
        "-map",
        "[v]",
        "-map",
        "1:a",
        "-c:v",
        "libx264",
        "-preset",
        "veryslow",
        "-tune",
        "stillimage",
        "-crf",
        "30",
        "-pix_fmt",
        "yuv420p",
        "-g",
        "10",  # a keyframe every 2 s keeps seeks quick
        "-c:a",
        "aac",
        "-b:a",
        "40k",
        "-shortest",
        *tags,
        str(out),
    ]
    subprocess.run(cmd, check=True)


def main(argv: list[str]) -> int:
    """Generate every demo recording into ``argv[0]`` (default: this folder)."""
    out_dir = Path(argv[0]) if argv else Path(__file__).resolve().parent
    for tool in ("espeak-ng", "ffmpeg"):
        if shutil.which(tool) is None:
            print(f"{tool} is required on PATH", file=sys.stderr)
            return 1
    for rec in RECORDINGS:
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            wav, cues = build_dialogue(rec.lines, work)
            encode(rec, wav, cues, work, out_dir / rec.name)
        size_kb = (out_dir / rec.name).stat().st_size / 1024
        print(f"{rec.name}: {cues[-1][1]:.1f} s, {size_kb:.0f} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
