"""Test helpers shared by every test package: factories per domain, a GraphQL client, servers.

Fixtures live in `tests/conftest.py` (shared) and a package's own `conftest.py`; never import a
fixture from here or from another test module."""
