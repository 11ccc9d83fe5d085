"""A short, human-readable device label ("Chrome on Windows") from a User-Agent header."""

from __future__ import annotations

from ua_parser import parse

MAX_USER_AGENT_LENGTH = 512
MAX_DEVICE_LENGTH = 120


def device_label(user_agent: str | None) -> str | None:
    if not user_agent:
        return None
    result = parse(user_agent[:MAX_USER_AGENT_LENGTH])
    browser = result.user_agent.family if result.user_agent else None
    system = result.os.family if result.os else None
    device = result.device.family if result.device and result.device.family != "Other" else None
    parts = [p for p in (browser, system and f"on {system}") if p]
    if device and device not in (system or ""):
        parts.append(f"({device})")
    return " ".join(parts)[:MAX_DEVICE_LENGTH] or None
