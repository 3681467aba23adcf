"""Shared fixtures. The whole suite runs against SQLite and PostgreSQL, never a mocked database.

PostgreSQL: one database per test run (`ledgerline_test_<random>`), migrated once, truncated
between tests and dropped at the end. Outside CI a missing server skips its half of the suite
with a visible reason; in CI (CI=true) it is an error.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from ledgerline.store.engine import make_engine
from ledgerline.store.migrate import upgrade
from ledgerline.store.tables import metadata

pytest_plugins = ["tests.fixtures_app"]

PG_ADMIN_URL = os.environ.get(
    "LEDGERLINE_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
BACKENDS = ["sqlite", "postgresql"]


def _pg_reachable() -> str | None:
    try:
        engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as c:
            c.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}".splitlines()[0]


@pytest.fixture(scope="session")
def pg_database_url() -> Iterator[str]:
    problem = _pg_reachable()
    if problem is not None:
        if os.environ.get("CI"):
            pytest.fail(
                f"PostgreSQL is required in CI but unreachable at {PG_ADMIN_URL}: {problem}"
            )
        pytest.skip(
            f"PostgreSQL not reachable at {PG_ADMIN_URL} ({problem}); its half of the suite is skipped"
        )
    name = f"ledgerline_test_{secrets.token_hex(4)}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "ledgerline.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()  # the last connection to close checkpoints the WAL into the main file
    assert (
        not path.with_name(path.name + "-wal").exists()
        or path.with_name(path.name + "-wal").stat().st_size == 0
    )
    return path


@pytest.fixture(params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> Iterator[str]:
    """A migrated, empty database of each kind."""
    if request.param == "sqlite":
        path = tmp_path / "ledgerline.db"
        shutil.copy(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    url = request.getfixturevalue("pg_database_url")
    yield url
    truncate_all(url)


@pytest.fixture
def pg_url(pg_database_url: str) -> Iterator[str]:
    """The PostgreSQL database alone (for tests that only make sense there), emptied after."""
    yield pg_database_url
    truncate_all(pg_database_url)


def truncate_all(url: str) -> None:
    engine = create_engine(url)
    names = ", ".join(f'"{t.name}"' for t in reversed(metadata.sorted_tables))
    with engine.begin() as c:
        c.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--seeds", type=int, default=8, help="how many simulation seeds to run (default 8)"
    )
    parser.addoption("--seed", type=int, default=None, help="replay one simulation seed")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "sim_seed" in metafunc.fixturenames:
        one = metafunc.config.getoption("--seed")
        seeds = (
            [one] if one is not None else list(range(1, metafunc.config.getoption("--seeds") + 1))
        )
        metafunc.parametrize("sim_seed", seeds)
