"""Random hand edits of a small PBX (SQLite, both targets): whatever mix of
deletes, corruptions and duplicates a person makes, one apply brings the PBX
back to the CSV and the next plan says "No changes.", or the plan refuses,
naming the row and the ways out (a subscriber whose bookkeeping and
preferences are both gone is somebody else's as far as the PBX can tell)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extctl.errors import CheckFailed
from tests.pbx.drift_harness import LITERAL, Pbx, rows

CODES = ("2300", "2301", "2302")
USERS = {"2300": "2300", "2301": "bob.l", "2302": "cat"}
KAMAILIO = {
    "delete subscriber": "DELETE FROM subscriber WHERE username = '{user}'",
    "delete preferences": "DELETE FROM usr_preferences WHERE uuid = '{code}'",
    "delete name": "DELETE FROM usr_preferences WHERE uuid = '{code}' AND attribute = 'name'",
    "corrupt ha1": "UPDATE subscriber SET ha1 = 'bad' WHERE username = '{user}'",
    "blank password": "UPDATE subscriber SET password = '' WHERE username = '{user}'",
    "corrupt enabled": "UPDATE usr_preferences SET value = '7' WHERE uuid = '{code}' "
                       "AND attribute = 'enabled'",
    "duplicate dnd": "INSERT INTO usr_preferences (uuid, username, domain, attribute, type, "
                     "value) VALUES ('{code}', '{user}', '{domain}', 'dnd', 1, '1')",
    "forget bookkeeping": "DELETE FROM extctl_managed WHERE code = '{code}'",
}
ASTERISK = {
    "delete endpoint": "DELETE FROM ps_endpoints WHERE id = '{code}'",
    "delete auth": "DELETE FROM ps_auths WHERE id = '{code}'",
    "delete aor": "DELETE FROM ps_aors WHERE id = '{code}'",
    "repoint auth": "UPDATE ps_endpoints SET auth = 'elsewhere' WHERE id = '{code}'",
    "corrupt context": "UPDATE ps_endpoints SET context = 'x' WHERE id = '{code}'",
    "blank password": "UPDATE ps_auths SET password = '' WHERE id = '{code}'",
    "zero contacts": "UPDATE ps_aors SET max_contacts = 0 WHERE id = '{code}'",
    "forget bookkeeping": "DELETE FROM extctl_managed WHERE code = '{code}'",
}
EDITS = {"kamailio": KAMAILIO, "asterisk": ASTERISK}
# the pristine PBX of each kind, applied once: every example starts from a copy
_PRISTINE: dict[str, bytes] = {}


def _fresh(kind: str, workdir: Path) -> Pbx:
    db = workdir / "pbx.sqlite"
    if kind not in _PRISTINE:
        Pbx(kind, f"sqlite:///{db}").apply(rows())
        _PRISTINE[kind] = db.read_bytes()
    db.write_bytes(_PRISTINE[kind])
    return Pbx(kind, f"sqlite:///{db}")


@st.composite
def hand_edits(draw: st.DrawFn) -> tuple[str, list[tuple[str, str]]]:
    kind = draw(st.sampled_from(sorted(EDITS)))
    edits = draw(st.lists(st.tuples(st.sampled_from(sorted(EDITS[kind])),
                                    st.sampled_from(CODES)), min_size=1, max_size=5))
    return kind, edits


@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(hand_edits())
def test_random_hand_edits_converge_in_one_apply(case: tuple[str, list[tuple[str, str]]]
                                                 ) -> None:
    kind, edits = case
    with tempfile.TemporaryDirectory() as tmp:
        pbx = _fresh(kind, Path(tmp))
        pbx.sql(*(EDITS[kind][name].format(code=code, user=USERS[code], domain="{domain}")
                  for name, code in edits))
        try:
            text = pbx.converge(rows())
        except CheckFailed as err:
            text = str(err)
            assert "already held on the PBX" in text and "adopt it" in text, text
            assert any(f":username: {code}: " in text for _, code in edits), text
            return
        assert LITERAL not in text
        passwords = pbx.passwords()
        assert passwords["2301"] == LITERAL and all(passwords.values())
