"""Media: uploads (request → direct upload → finalize), public and private file URLs. What other
domains may call:"""

from app.media.cleanup import purge_abandoned_uploads
from app.media.models import FilePurpose
from app.media.service import (
    asset_url,
    attach_video_upload,
    attached_url,
    claim_upload,
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
    "file_download_url",
    "is_public",
    "purge_abandoned_uploads",
    "video_durations",
    "video_statuses",
]
