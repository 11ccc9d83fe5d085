"""The signature example of docs/api.md is computed by our signing code, and the verification
snippet partners copy accepts it (so the documentation stays true)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from app.webhooks.delivery import sign, signature_header

DOCS = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def section() -> str:
    text = DOCS.read_text()
    start = text.index("## Outbound webhooks")
    return text[start : text.index("\n## ", start + 1)]


def example() -> tuple[str, int, bytes, str]:
    text = section()
    secret = re.search(r"secret `(whsec_[A-Za-z0-9_]+)`", text)
    header = re.search(r"X-EasyWays-Signature: t=(\d+),v1=([0-9a-f]{64})", text)
    body = re.search(r"```\n(\{\"webhookEvent\".*\})\n```", text)
    assert secret
    assert header
    assert body
    return secret.group(1), int(header.group(1)), body.group(1).encode(), header.group(2)


def test_the_documented_signature_is_what_deliveries_send() -> None:
    secret, timestamp, body, hex_digest = example()
    assert sign(secret, timestamp, body) == hex_digest
    assert signature_header(secret, timestamp, body) == f"t={timestamp},v1={hex_digest}"


def test_the_documented_verification_snippet_accepts_it_and_rejects_a_changed_body() -> None:
    secret, timestamp, body, hex_digest = example()
    code = re.search(r"```python\n(.*?)```", section(), re.S)
    assert code is not None
    namespace: dict[str, Any] = {}
    exec(code.group(1), namespace)  # noqa: S102 - our own documentation
    verify = namespace["verify"]
    header = f"t={timestamp},v1={hex_digest}"
    forever = 10**10
    assert verify(secret, header, body, tolerance=forever)
    assert not verify(secret, header, body.replace(b"49.00", b"0.01"), tolerance=forever)
    assert not verify("whsec_another", header, body, tolerance=forever)
