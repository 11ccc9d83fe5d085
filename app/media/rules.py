"""What may be uploaded for which purpose: the one table of allowed types and size limits.

A caller can narrow a rule (an assignment's own types and size): the effective whitelist is the
intersection, the effective limit the smaller one. Types are MIME types as sniffed from content;
plain-text formats have no signature, so they are recognised by extension when the bytes are UTF-8.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterable
from dataclasses import dataclass

import filetype

from app.media.models import FilePurpose

UploadPurpose = FilePurpose  # the purposes below accept client uploads; the others are internal

MB = 1024 * 1024
SNIFF_BYTES = 8192  # filetype looks at most this far (zip-based office formats need a few KiB)

IMAGES = ("image/jpeg", "image/png", "image/webp", "image/gif")
TEXT_TYPES = {
    "txt": "text/plain",
    "csv": "text/csv",
    "md": "text/markdown",
    "py": "text/x-python",
    "json": "application/json",
    "vtt": "text/vtt",
}
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT = "application/vnd.oasis.opendocument.text"
ZIP_CONTAINERS = {DOCX, XLSX, PPTX, ODT}  # may sniff as plain application/zip
DOCUMENTS = ("application/pdf", DOCX, XLSX, PPTX, ODT, "application/msword", "application/zip")
TEXTS = ("text/plain", "text/csv", "text/markdown")
VIDEOS = ("video/mp4", "video/quicktime", "video/webm", "video/x-matroska")
ALIASES = {
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "application/x-zip-compressed": "application/zip",
    "text/x-markdown": "text/markdown",
    "application/csv": "text/csv",
    "text/x-script.python": "text/x-python",
}


@dataclass(frozen=True)
class UploadRule:
    types: tuple[str, ...]
    max_size: int


UPLOAD_RULES: dict[FilePurpose, UploadRule] = {
    FilePurpose.AVATAR: UploadRule(IMAGES, 5 * MB),
    FilePurpose.COURSE_IMAGE: UploadRule(IMAGES[:3], 10 * MB),
    FilePurpose.LESSON_RESOURCE: UploadRule(DOCUMENTS + TEXTS + IMAGES, 100 * MB),
    FilePurpose.COURSE_RESOURCE: UploadRule(DOCUMENTS + TEXTS + IMAGES, 100 * MB),
    FilePurpose.ASSIGNMENT_SUBMISSION: UploadRule(
        DOCUMENTS + TEXTS + ("text/x-python", "application/json") + IMAGES, 50 * MB
    ),
    FilePurpose.EXAM_SUBMISSION: UploadRule(DOCUMENTS + TEXTS + IMAGES, 50 * MB),
    FilePurpose.EXAM_RESOURCE: UploadRule(DOCUMENTS + TEXTS + IMAGES, 100 * MB),
    FilePurpose.LESSON_VIDEO: UploadRule(VIDEOS, 2000 * MB),  # GraphQL Int: sizes < 2 GiB
    FilePurpose.CAPTION: UploadRule(("text/vtt",), 2 * MB),  # WebVTT (checked at attach)
    FilePurpose.BLOG_IMAGE: UploadRule(IMAGES[:3], 10 * MB),
}


def normalise_type(content_type: str) -> str:
    base = content_type.split(";")[0].strip().lower()
    return ALIASES.get(base, base)


def effective_rule(
    purpose: FilePurpose, allowed_types: Iterable[str] | None, max_size: int | None
) -> UploadRule | None:
    """The purpose's rule narrowed by the caller's; None when the purpose takes no uploads."""
    rule = UPLOAD_RULES.get(purpose)
    if rule is None:
        return None
    types = rule.types
    if allowed_types is not None:
        narrowed = {normalise_type(t) for t in allowed_types}
        types = tuple(t for t in rule.types if t in narrowed)
    limit = rule.max_size if max_size is None else min(rule.max_size, max_size)
    return UploadRule(types, limit)


def extension(file_name: str) -> str:
    return file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""


def _is_utf8_text(sample: bytes, truncated: bool) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        text = decoder.decode(sample, final=not truncated)
    except UnicodeDecodeError:
        return False
    return "\x00" not in text


def sniff(sample: bytes, *, file_name: str, truncated: bool) -> str | None:
    """The content's MIME type: its signature, else a text type by extension if UTF-8."""
    kind = filetype.guess(sample) if sample else None
    if kind is not None:
        return normalise_type(str(kind.mime))
    text_type = TEXT_TYPES.get(extension(file_name))
    if text_type and _is_utf8_text(sample, truncated):
        return text_type
    return None


def consistent(declared: str, sniffed: str) -> bool:
    """The declared type is what the content is (office formats may sniff as their zip)."""
    declared = normalise_type(declared)
    if declared == sniffed:
        return True
    return sniffed == "application/zip" and declared in ZIP_CONTAINERS
