"""The watch tests reuse the end-to-end Kamailio fixtures."""

from tests.e2e.conftest import applied_dbs, pbx_factory

__all__ = ["applied_dbs", "pbx_factory"]
