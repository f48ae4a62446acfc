"""The server-statistics benchmark: importable, its statements named as the server shows them."""

from __future__ import annotations

import importlib

from bench.__main__ import BENCHMARKS


class TestServerStats:
    def test_is_a_benchmark(self) -> None:
        """``python -m bench serverstats`` runs the module's main."""
        module = importlib.import_module(BENCHMARKS["serverstats"])

        assert callable(module.main)

    def test_a_statement_is_named_as_pg_stat_statements_shows_it(self) -> None:
        """A statement's ``%s`` marks and constants, numbered as the server does, give one shape."""
        from bench._server_stats import _shape

        sent = "SELECT data FROM s.t WHERE a = %s AND b = 'x' AND c = true LIMIT 1"
        reported = "SELECT data FROM s.t WHERE a = $1 AND b = $2 AND c = $3 LIMIT $4"

        assert _shape(sent) == _shape(reported)
