"""Production refuses the Stripe backend without its secrets."""

from __future__ import annotations

from app.settings import Settings


def _reasons(settings: Settings, **update: object) -> list[str]:
    return [r.split(":")[0] for r in settings.model_copy(update=update).unsafe_reasons()]


def test_the_stripe_backend_needs_its_api_key_and_webhook_secret(settings: Settings) -> None:
    reasons = _reasons(settings, payments_backend="stripe")
    assert "STRIPE_SECRET_KEY" in reasons
    assert "STRIPE_WEBHOOK_SECRET" in reasons


def test_the_stripe_backend_with_its_secrets_is_accepted(settings: Settings) -> None:
    reasons = _reasons(
        settings,
        payments_backend="stripe",
        stripe_secret_key="sk_live_x",
        stripe_webhook_secret="whsec_x",
    )
    assert "STRIPE_SECRET_KEY" not in reasons
    assert "STRIPE_WEBHOOK_SECRET" not in reasons


def test_the_webhook_tolerance_defaults_to_five_minutes(settings: Settings) -> None:
    assert settings.webhook_tolerance_seconds == 300
