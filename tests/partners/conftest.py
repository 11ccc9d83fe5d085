"""HTTP fixtures of tests/api (a fresh app on the test schema, talked to in-process)."""

from tests.api.conftest import app_client, client, settings

__all__ = ["app_client", "client", "settings"]
