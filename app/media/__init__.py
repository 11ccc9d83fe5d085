"""Media: uploads (request → direct upload → finalize), public and private file URLs. What other
domains may call:"""

from app.media.cleanup import purge_abandoned_uploads
from app.media.models import FilePurpose
from app.media.service import (
    asset_url,
    attached_url,
    claim_upload,
    file_download_url,
    is_public,
    video_statuses,
)

__all__ = [
    "FilePurpose",
    "asset_url",
    "attached_url",
    "claim_upload",
    "file_download_url",
    "is_public",
    "purge_abandoned_uploads",
    "video_statuses",
]
