"""The bundled ffmpeg (imageio-ffmpeg's binary; there is no ffprobe): probe, HLS, stills.

Every run is an asyncio subprocess (never blocks the event loop) with a time_limit, in a directory
the caller owns (a temporary one); on time_limit the process is killed and `FfmpegTimeout` raised.
`probe` reads what `ffmpeg -i` prints (duration, resolution, codecs). `render_test_video` and
`render_still` draw lavfi test patterns: tests and demo seeders use them for videos and images.

Renditions (`ladder`): 360p and 720p, never upscaled: a source between the two gets 360p and
its own height; a source of 360p or less gets its own height and half of it (at least 144p for
sources that tall), so every video has at least two renditions to adapt between.
"""

from __future__ import annotations

import asyncio
import math
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

LADDER = ((360, 800), (720, 2800))  # (height, video kbit/s)
MIN_HEIGHT = 144
SEGMENT_SECONDS = 4
DEFAULT_TIMEOUT = 600.0

_DURATION = re.compile(r"Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)")
_VIDEO = re.compile(r"Stream #\S+.*?: Video: (\w+).*?, (\d{2,5})x(\d{2,5})")
_AUDIO = re.compile(r"Stream #\S+.*?: Audio: (\w+)")


class FfmpegError(Exception):
    """ffmpeg failed on this input (its last output lines are the message): not worth retrying."""


class FfmpegTimeout(FfmpegError):
    pass


class FfmpegUnavailable(Exception):
    """No ffmpeg binary in this deployment."""


@dataclass(frozen=True)
class Probe:
    duration_seconds: float
    width: int
    height: int
    video_codec: str
    audio_codec: str | None


@dataclass(frozen=True)
class Rendition:
    name: str  # "360p"
    height: int
    video_kbps: int

    def bandwidth(self, audio_kbps: int = 96) -> int:
        return (self.video_kbps + audio_kbps) * 1000


def executable() -> str:
    try:
        import imageio_ffmpeg

        return str(imageio_ffmpeg.get_ffmpeg_exe())
    except (ImportError, RuntimeError) as exc:
        raise FfmpegUnavailable(str(exc)) from exc


async def _ffmpeg(args: list[str], *, cwd: Path, time_limit: float, what: str) -> tuple[int, str]:
    """ffmpeg's exit status and stderr (where it reports) for `args` run in `cwd`; killed and
    FfmpegTimeout (naming `what`) past `time_limit` seconds."""
    process = await asyncio.create_subprocess_exec(
        executable(),
        "-hide_banner",
        "-nostdin",
        *args,
        cwd=cwd,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        _, stderr = await asyncio.wait_for(process.communicate(), time_limit)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise FfmpegTimeout(f"{what} ran longer than {time_limit:.0f} s") from None
    return process.returncode or 0, stderr.decode(errors="replace")


async def run(args: list[str], *, cwd: Path, time_limit: float = DEFAULT_TIMEOUT) -> str:
    """Run ffmpeg with `args` in `cwd`; its stderr (where it reports) on success."""
    status, text = await _ffmpeg(args, cwd=cwd, time_limit=time_limit, what="ffmpeg")
    if status != 0:
        raise FfmpegError(_tail(text))
    return text


def _tail(text: str, lines: int = 3) -> str:
    kept = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return " | ".join(kept[-lines:])[:1000] or "ffmpeg failed"


def parse_probe(text: str) -> Probe:
    """What `ffmpeg -i` printed about the input; FfmpegError when it holds no video."""
    duration = _DURATION.search(text)
    video = _VIDEO.search(text)
    if duration is None or video is None:
        raise FfmpegError("the file holds no readable video stream")
    hours, minutes, seconds = duration.groups()
    audio = _AUDIO.search(text)
    return Probe(
        duration_seconds=int(hours) * 3600 + int(minutes) * 60 + float(seconds),
        width=int(video.group(2)),
        height=int(video.group(3)),
        video_codec=video.group(1),
        audio_codec=audio.group(1) if audio else None,
    )


async def probe(source: Path, *, time_limit: float = 60.0) -> Probe:
    """Duration, resolution and codecs of `source` (what `ffmpeg -i` prints; with no output
    file it always exits 1, so its status says nothing)."""
    return parse_probe(await _probe_text(source, time_limit))


async def _probe_text(source: Path, time_limit: float) -> str:
    args = ["-i", source.name]
    return (await _ffmpeg(args, cwd=source.parent, time_limit=time_limit, what="probing"))[1]


def _even(value: float) -> int:
    return max(2, int(value) // 2 * 2)


def ladder(source_height: int) -> list[Rendition]:
    """The renditions of a source this tall: never upscaled, always at least two."""
    heights = {h for h, _ in LADDER if h <= source_height}
    if source_height < LADDER[-1][0]:
        heights.add(_even(source_height))
    if len(heights) < 2:
        heights.add(_even(max(source_height / 2, min(MIN_HEIGHT, source_height * 0.75))))
    rates = dict(LADDER)
    top_height, top_rate = LADDER[-1]
    return [
        Rendition(f"{h}p", h, rates.get(h) or max(200, int(top_rate * (h / top_height) ** 1.5)))
        for h in sorted(heights)
    ]


async def transcode_rendition(
    source: Path, out_dir: Path, rendition: Rendition, *, has_audio: bool, time_limit: float
) -> Path:
    """`out_dir/<name>/index.m3u8` and its segments: H.264 (+ AAC) in MPEG-TS, fixed GOPs."""
    target = out_dir / rendition.name
    target.mkdir(parents=True, exist_ok=True)
    gop = ["-g", "48", "-keyint_min", "48", "-sc_threshold", "0"]
    audio = ["-c:a", "aac", "-b:a", "96k", "-ac", "2"] if has_audio else ["-an"]
    args = [
        "-y",
        "-i",
        str(source),
        "-vf",
        f"scale=-2:{rendition.height}",
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-pix_fmt",
        "yuv420p",
        "-profile:v",
        "main",  # what the master playlist's CODECS announce (avc1.4d401f: Main, level 3.1)
        "-level:v",
        "3.1",
        "-b:v",
        f"{rendition.video_kbps}k",
        "-maxrate",
        f"{int(rendition.video_kbps * 1.2)}k",
        "-bufsize",
        f"{rendition.video_kbps * 2}k",
        *gop,
        *audio,
        "-f",
        "hls",
        "-hls_time",
        str(SEGMENT_SECONDS),
        "-hls_playlist_type",
        "vod",
        "-hls_segment_filename",
        "seg_%04d.ts",
        "index.m3u8",
    ]
    await run(args, cwd=target, time_limit=time_limit)
    return target / "index.m3u8"


def master_playlist(renditions: list[Rendition], source: Probe) -> str:
    lines = ["#EXTM3U", "#EXT-X-VERSION:3"]
    for rendition in renditions:
        width = _even(source.width * rendition.height / source.height)
        codecs = "avc1.4d401f,mp4a.40.2" if source.audio_codec else "avc1.4d401f"
        lines.append(
            f"#EXT-X-STREAM-INF:BANDWIDTH={rendition.bandwidth()},"
            f'RESOLUTION={width}x{rendition.height},CODECS="{codecs}"'
        )
        lines.append(f"{rendition.name}/index.m3u8")
    return "\n".join(lines) + "\n"


async def still(
    source: Path, target: Path, *, at_seconds: float, height: int, time_limit: float = 60.0
) -> Path:
    """One JPEG frame of `source` at `at_seconds`, `height` pixels tall."""
    args = ["-y", "-ss", f"{at_seconds:.3f}", "-i", str(source), "-frames:v", "1"]
    args += ["-vf", f"scale=-2:{height}", "-q:v", "3", str(target)]
    await run(args, cwd=target.parent, time_limit=time_limit)
    return target


def thumbnail_times(duration: float, count: int) -> list[float]:
    """`count` instants spread evenly inside the video (never its very last frame)."""
    if duration <= 0:
        return [0.0]
    step = duration / (count + 1)
    return [round(step * (i + 1), 3) for i in range(count)]


def poster_time(duration: float) -> float:
    return min(1.0, duration / 2) if duration > 0 else 0.0


async def render_test_video(
    target: Path,
    *,
    seconds: float = 2.0,
    width: int = 320,
    height: int = 240,
    rate: int = 15,
    audio: bool = True,
    time_limit: float = 60.0,
) -> Path:
    """An MP4 (H.264, AAC) of the lavfi test pattern with a tone: for tests and demo data."""
    args = ["-y", "-f", "lavfi", "-i", f"testsrc=size={width}x{height}:rate={rate}:d={seconds}"]
    if audio:
        args += ["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}"]
        args += ["-c:a", "aac", "-shortest"]
    args += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
    args += ["-movflags", "+faststart", str(target)]
    await run(args, cwd=target.parent, time_limit=time_limit)
    return target


async def render_still(
    target: Path,
    *,
    width: int = 640,
    height: int = 360,
    pattern: str = "testsrc",
    time_limit: float = 30.0,
) -> Path:
    """A still image (format from the suffix: .png, .jpg, .webp) of a lavfi source — `testsrc`,
    `smptebars`, `color=c=teal`, `gradients`… — `width` x `height` pixels: for demo images."""
    separator = ":" if "=" in pattern else "="
    source = pattern if "size=" in pattern else f"{pattern}{separator}size={width}x{height}"
    args = ["-y", "-f", "lavfi", "-i", source, "-frames:v", "1", str(target)]
    await run(args, cwd=target.parent, time_limit=time_limit)
    return target


async def still_png(source: str, *, time_limit: float = 30.0) -> bytes:
    """One frame of the lavfi `source` (which gives its own size, e.g. `gradients=s=1200x630`) as
    PNG bytes, drawn in a temporary directory: demo seeders' images."""
    with tempfile.TemporaryDirectory(prefix="easyways-still-") as tmp:
        target = Path(tmp) / "still.png"
        args = ["-y", "-f", "lavfi", "-i", source, "-frames:v", "1", str(target)]
        await run(args, cwd=target.parent, time_limit=time_limit)
        return await asyncio.to_thread(target.read_bytes)


def duration_minutes(seconds: float) -> int:
    """A lesson's duration in whole minutes (rounded up: a 20 s clip is a 1-minute lesson)."""
    return max(0, math.ceil(seconds / 60))
