"""Media: uploads (request → direct upload → finalize), public and private file URLs, lesson
videos (app/media/video.py, streaming.py, captions.py). What other domains may call (demo seeders
draw images and clips with `render_still` / `render_test_video` of the bundled ffmpeg):"""

from app.media.cleanup import purge_abandoned_uploads
from app.media.ffmpeg import render_still, render_test_video
from app.media.models import FilePurpose
from app.media.service import (
    asset_url,
    attach_video_upload,
    attached_url,
    claim_upload,
    claimed_upload_id,
    file_download_url,
    is_public,
    video_durations,
    video_statuses,
)

__all__ = [
    "FilePurpose",
    "asset_url",
    "attach_video_upload",
    "attached_url",
    "claim_upload",
    "claimed_upload_id",
    "file_download_url",
    "is_public",
    "purge_abandoned_uploads",
    "render_still",
    "render_test_video",
    "video_durations",
    "video_statuses",
]
