"""The one-string-per-column SQLite read equals the row-by-row fetch, or declines."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from pbx import sqlite_read
from pbx.sql import Database, engine, read_frame, transaction

ROWS = [("a", 1, None, ""), ("ü€ b", 22, "x", "y"), ("", 0, "", "z,w")]


def slow(path: Path, query: str) -> pd.DataFrame:
    with sqlite3.connect(path) as conn:
        cur = conn.execute(query)
        names = [d[0] for d in cur.description]
        frame = pd.DataFrame(cur.fetchall(), columns=names, dtype=object)
    return frame.fillna("").astype(str)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "t.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (a TEXT, n INTEGER, b TEXT, c TEXT)")
        conn.executemany("INSERT INTO t VALUES (?, ?, ?, ?)", ROWS)
    return path


def fast(path: Path, query: str) -> pd.DataFrame | None:
    with sqlite3.connect(path) as conn:
        return sqlite_read.columns(conn.cursor(), query)


@pytest.mark.parametrize("query", [
    "SELECT a, n, b, c FROM t",
    "SELECT a AS code, MAX(c) AS v FROM t GROUP BY a",
    "SELECT a, b FROM t WHERE n > 100",
    "SELECT a FROM t WHERE n = 0",
])
def test_same_frame_as_row_by_row(db: Path, query: str) -> None:
    got = fast(db, query)
    assert got is not None
    pd.testing.assert_frame_equal(got, slow(db, query))


def test_a_value_holding_the_separator_declines_and_read_frame_falls_back(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO t VALUES (?, 5, 'q', 'r')", (f"x{sqlite_read.SEP}y",))
    assert fast(db, "SELECT a, n FROM t") is None
    database = Database("t", sa.make_url(f"sqlite:///{db}"), "", ())
    with transaction(database, engine(database), write=False) as conn:
        got = read_frame(conn, "SELECT a, n FROM t")
    pd.testing.assert_frame_equal(got, slow(db, "SELECT a, n FROM t"))
    assert f"x{sqlite_read.SEP}y" in set(got["a"])


def test_duplicate_column_names_decline(db: Path) -> None:
    assert fast(db, "SELECT a, a FROM t") is None
