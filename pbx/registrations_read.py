"""Helpers the targets share to turn registration rows into REGISTRATION_COLUMNS.

Whole-column conversions only: a PBX with 10^5 phones has 10^5 contacts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pbx.base import REGISTRATION_COLUMNS

if TYPE_CHECKING:
    import pandas as pd

# Julian day number of 1970-01-01T00:00Z: Kamailio's db_sqlite stores DATETIME
# columns as Julian-day REALs (SQLite's julianday()), not as text.
UNIX_EPOCH_JD = 2440587.5
# A host in a SIP URI or a Kamailio `received` value ("sip:198.51.100.7:5060"):
# after "sip:"/"sips:" and an optional user@, an [IPv6] or up to ':', ';', '>'.
_HOST = r"^\s*<?(?:sips?:)?(?:[^@;>]*@)?(\[[^\]]*\]|[^:;>\s]+)"


def empty() -> pd.DataFrame:
    import pandas as pd

    frame = pd.DataFrame({c: pd.Series([], dtype="str") for c in REGISTRATION_COLUMNS[:5]})
    for c in REGISTRATION_COLUMNS[5:]:
        frame[c] = pd.Series([], dtype="datetime64[ns, UTC]")
    return frame


def sql_times(values: pd.Series, naive_tz: str = "UTC") -> pd.Series:
    """DATETIME values as UTC: Julian-day numbers (Kamailio on SQLite) or timestamps.

    Text timestamps without a zone are the PBX's local time (Kamailio's
    db_postgres writes localtime); `naive_tz` says which zone that is. Blank,
    unparsable and Kamailio's "never expires" (the epoch) become NaT.
    """
    import pandas as pd

    text = values.astype(str).str.strip()
    numbers = pd.to_numeric(text, errors="coerce")
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns, UTC]")
    julian = numbers.notna()
    if julian.any():
        seconds = ((numbers[julian] - UNIX_EPOCH_JD) * 86400.0).round()
        out[julian] = pd.to_datetime(seconds, unit="s", utc=True)
    rest = ~julian & (text != "")
    if rest.any():
        parsed = pd.to_datetime(text[rest], errors="coerce", format="ISO8601")
        if getattr(parsed.dt, "tz", None) is None:
            parsed = parsed.dt.tz_localize(naive_tz, ambiguous="NaT", nonexistent="NaT")
        out[rest] = parsed.dt.tz_convert("UTC")
    return out.where(out > pd.Timestamp(0, tz="UTC"))


def epoch_times(values: pd.Series) -> pd.Series:
    """Epoch seconds held as text (Asterisk's expiration_time) as UTC; 0/blank NaT."""
    import pandas as pd

    seconds = pd.to_numeric(values.astype(str).str.strip(), errors="coerce")
    seconds = seconds.where(seconds > 0)
    return pd.to_datetime(seconds, unit="s", utc=True).astype("datetime64[ns, UTC]")


def host_of(uris: pd.Series) -> pd.Series:
    """The host of SIP URIs / received values ("" when there is none), no brackets."""
    hosts = uris.astype(str).str.extract(_HOST, expand=False).fillna("")
    return hosts.str.strip("[]")
