"""Search tests: catalog rows written directly (any status, price, rating, popularity), the
index rebuilt or updated through the search service, and the real GraphQL client."""

from tests.accounts.conftest import client, keyring, settings  # noqa: F401
