"""The bundled ffmpeg: probing, the rendition ladder, stills, and runs that time out."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.media import ffmpeg


async def test_probe_reads_duration_resolution_and_codecs(tmp_path: Path) -> None:
    clip = await ffmpeg.render_test_video(tmp_path / "clip.mp4", seconds=2, width=160, height=120)
    probe = await ffmpeg.probe(clip)
    assert probe.duration_seconds == pytest.approx(2.0, abs=0.1)
    assert (probe.width, probe.height) == (160, 120)
    assert (probe.video_codec, probe.audio_codec) == ("h264", "aac")


async def test_probe_of_a_file_without_video_fails_with_the_reason(tmp_path: Path) -> None:
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 200)
    with pytest.raises(ffmpeg.FfmpegError):
        await ffmpeg.probe(junk)


@given(height=st.integers(min_value=16, max_value=4320))
def test_the_ladder_never_upscales_and_always_offers_two_renditions(height: int) -> None:
    renditions = ffmpeg.ladder(height)
    heights = [r.height for r in renditions]
    assert len(renditions) >= 2
    assert heights == sorted(set(heights))
    assert all(h <= height for h in heights)
    assert all(h % 2 == 0 for h in heights)
    if height >= 720:
        assert heights == [360, 720]


async def test_a_still_is_rendered_from_a_test_pattern(tmp_path: Path) -> None:
    image = await ffmpeg.render_still(
        tmp_path / "card.png", width=64, height=36, pattern="smptebars"
    )
    assert image.read_bytes().startswith(b"\x89PNG")


async def test_an_ffmpeg_run_past_its_time_limit_is_killed(tmp_path: Path) -> None:
    endless = ["-f", "lavfi", "-re", "-i", "testsrc=size=64x64:rate=5", "-f", "null", "-"]
    with pytest.raises(ffmpeg.FfmpegTimeout):
        await ffmpeg.run(endless, cwd=tmp_path, time_limit=0.5)
