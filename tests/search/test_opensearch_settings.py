"""Choosing the OpenSearch backend: refused clearly without OPENSEARCH_URL, checked in
production, built (without contacting the node) when configured."""

from __future__ import annotations

import socket

import pytest
from pydantic import ValidationError

from app.catalog.filters import CourseFilterArgs
from app.db import Database
from app.pagination import PageRequest
from app.search import service
from app.settings import Settings, get_settings


def test_search_backend_opensearch_without_its_url_is_refused_at_start_up() -> None:
    with pytest.raises(ValidationError, match="SEARCH_BACKEND=opensearch needs OPENSEARCH_URL"):
        Settings(search_backend="opensearch", opensearch_url="  ")


async def test_a_search_with_opensearch_chosen_but_no_url_fails_with_search_unavailable(
    database: Database,
) -> None:
    settings = get_settings().model_copy(update={"search_backend": "opensearch"})
    with pytest.raises(service.SearchUnavailable, match="needs OPENSEARCH_URL"):
        await service.search_courses(
            database,
            settings,
            query="web",
            filter_args=CourseFilterArgs(),
            request=PageRequest.create(first=5),
        )


async def test_with_a_url_the_opensearch_backend_is_chosen(database: Database) -> None:
    from app.search.opensearch.backend import OpenSearchSearch
    from app.search.opensearch.client import close_clients

    settings = get_settings().model_copy(
        update={
            "search_backend": "opensearch",
            "opensearch_url": "https://search.internal:9200",
            "opensearch_index_prefix": "shop",
        }
    )
    backend = service.backend_for(settings, database)
    try:
        assert isinstance(backend, OpenSearchSearch)
        assert backend.alias == "shop-courses"
    finally:
        await close_clients()


def _production(**values: object) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        EASYWAYS_ENV="production",
        search_backend="opensearch",
        opensearch_url="https://search.internal:9200",
        **values,
    )


def test_production_refuses_opensearch_without_certificate_checks_or_with_half_a_login() -> None:
    reasons = _production(opensearch_verify_certs=False, opensearch_username="app")
    found = reasons.unsafe_reasons()
    assert any(r.startswith("OPENSEARCH_VERIFY_CERTS") for r in found)
    assert any(r.startswith("OPENSEARCH_USERNAME, OPENSEARCH_PASSWORD") for r in found)


def test_production_accepts_opensearch_with_verified_certificates_and_a_full_login() -> None:
    settings = _production(opensearch_username="app", opensearch_password="s3cret-s3cret")
    assert not [r for r in settings.unsafe_reasons() if r.startswith("OPENSEARCH")]


def test_an_index_prefix_opensearch_would_refuse_is_refused_at_start_up() -> None:
    with pytest.raises(ValidationError, match="opensearch_index_prefix"):
        Settings(opensearch_index_prefix="Bad Prefix*")


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port  # closed again: nothing listens there


async def test_an_unreachable_node_makes_searches_fail_with_search_unavailable(
    database: Database,
) -> None:
    """Through the real client: a refused connection is SEARCH_UNAVAILABLE, not an internal
    error, for searches and for autocomplete."""
    from app.search.opensearch.client import close_clients

    settings = get_settings().model_copy(
        update={
            "search_backend": "opensearch",
            "opensearch_url": f"http://127.0.0.1:{_closed_port()}",
            "opensearch_timeout_seconds": 2.0,
        }
    )
    try:
        with pytest.raises(service.SearchUnavailable):
            await service.search_courses(
                database,
                settings,
                query="web",
                filter_args=CourseFilterArgs(),
                request=PageRequest.create(first=5),
            )
        with pytest.raises(service.SearchUnavailable):
            await service.autocomplete(database, settings, prefix="we")
    finally:
        await close_clients()


def test_the_cli_refuses_opensearch_without_its_url_with_one_clear_line_and_exit_code_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.cli import main

    monkeypatch.setenv("SEARCH_BACKEND", "opensearch")
    monkeypatch.delenv("OPENSEARCH_URL", raising=False)
    get_settings.cache_clear()
    try:
        assert main(["reindex"]) == 2
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    assert "SEARCH_BACKEND=opensearch needs OPENSEARCH_URL" in capsys.readouterr().err
