"""The password strength policy of SPEC §3.1, for literal passwords only.

SIP digest is MD5: a captured REGISTER is cracked offline, so a literal secret
must be long, free of the row's own identifiers, and not guessable by a
zxcvbn-class estimator (dictionary words, leetspeak, keyboard walks, dates),
because character arithmetic alone passes `Summer2024!Summer`.
"""

from __future__ import annotations

import math
import re
from functools import cache
from itertools import pairwise

_ALLOWED = re.compile(r"[\x21\x23-\x26\x28-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]+")
_TOKEN = re.compile(r"[^\W_]{3,}", re.UNICODE)
_LOG2_10 = math.log2(10)


def _runs(length: int) -> frozenset[str]:
    # Every run of `length` consecutive code points over printable ASCII, both
    # ways, and every ASCII character repeated: a password has a run when one
    # of its `length`-character windows is in this set.
    ups = ["".join(chr(c + i) for i in range(length)) for c in range(0x21, 0x7F - length + 1)]
    same = [chr(c) * length for c in range(0x80)]
    return frozenset(ups + [u[::-1] for u in ups] + same)


_RUN4 = _runs(4)


def has_run(password: str, length: int = 4) -> bool:
    """True for `length`+ repeated (aaaa) or sequential (abcd, 4321) characters."""
    if length == 4 and password.isascii():
        return any(password[i:i + 4] in _RUN4 for i in range(len(password) - 3))
    run_same = run_up = run_down = 1
    for prev, cur in pairwise(password):
        delta = ord(cur) - ord(prev)
        run_same = run_same + 1 if delta == 0 else 1
        run_up = run_up + 1 if delta == 1 else 1
        run_down = run_down + 1 if delta == -1 else 1
        if max(run_same, run_up, run_down) >= length:
            return True
    return False


# "1" and "!" read as i or l: undo leetspeak both ways.
_UNLEET = (str.maketrans("0134578@$!|", "oieastbasil"), str.maketrans("0134578@$!|", "oleastbasll"))


def personal_hits(password: str, code: str, username: str, name: str) -> list[str]:
    """Which of the row's identifiers the password contains, case-insensitively,
    also after undoing leetspeak (M1aL0pez). This is why the estimator below
    needs no per-row user inputs, which would double its cost."""
    low = password.lower()
    variants = [low, *(low.translate(t) for t in _UNLEET)]
    words = [w for w in (code, username) if len(w) >= 3]
    words += _TOKEN.findall(name)
    return [w for w in words if any(w.lower() in v for v in variants)]


def personal_free(passwords: list[str], codes: list[str], usernames: list[str],
                  names: list[str]) -> list[bool]:
    """`not personal_hits(...)` for many rows at once: the three spellings of
    each password joined into one string (one substring test a word), and
    each distinct name split into tokens once."""
    tokens: dict[str, list[str]] = {}
    out = []
    for password, code, username, name in zip(passwords, codes, usernames, names,
                                              strict=True):
        low = password.lower()
        spellings = "\0".join((low, low.translate(_UNLEET[0]), low.translate(_UNLEET[1])))
        words = tokens.get(name)
        if words is None:
            words = tokens[name] = [w.lower() for w in _TOKEN.findall(name)]
        out.append(not any(w in spellings for w in (
            *(x.lower() for x in (code, username) if len(x) >= 3), *words)))
    return out


def charset_ok(password: str) -> bool:
    return _ALLOWED.fullmatch(password) is not None


# zxcvbn-rs is not deterministic: its matchers use Rust hash maps with random
# seeds, and about 1 password in 1,000 gets one of two estimates ~2 bits apart
# from call to call. A verdict must not flip between CI runs, so an estimate
# just above the threshold is re-run and the lowest (the weaker decomposition
# it found) is kept.
_RECHECK_BAND = 3.0
_RECHECK_RUNS = 8


# Words an attacker tries first on a PBX: the trade's own jargon and vendors.
# zxcvbn's English dictionaries rank most of them too low (GlobexDesk2001123!
# scores 50 bits without them, 40 with).
JARGON: tuple[str, ...] = (
    "pbx", "voip", "sip", "phone", "telephone", "telefon", "desk", "deskphone", "softphone",
    "extension", "ext", "support", "helpdesk", "reception", "receptionist", "voicemail",
    "hotline", "callcenter", "switchboard", "operator", "trunk", "dial", "call", "ring",
    "asterisk", "kamailio", "freeswitch", "fusionpbx", "yealink", "polycom", "grandstream",
    "snom", "cisco", "avaya", "linphone", "zoiper", "office", "admin", "sales", "marketing",
)


def user_inputs(words: tuple[str, ...], domains: tuple[str, ...]) -> list[str]:
    """What the estimator is told the attacker knows, the same for every row:
    the policy's password_words, the targets' SIP domains and their labels
    (globex.com -> globex), and JARGON; lower-case, each once."""
    out = [*words, *domains]
    out += [label for d in domains for label in d.split(".") if len(label) >= 3]
    out += JARGON
    return list(dict.fromkeys(w.lower() for w in out))


# zxcvbn's l33t table (letter: the characters that stand for it).
_L33T: dict[str, str] = {"a": "4@", "b": "8", "c": "({[<", "e": "3", "g": "69", "i": "1!|",
                         "l": "1|7", "o": "0", "s": "$5", "t": "+7", "x": "%", "z": "2"}
# One spelling for every character that may stand for the same letter: each
# l33t character becomes its letter, and i, l and t, which share 1, | and 7,
# become one. Two strings that zxcvbn could match up (case, l33t) read the
# same under it; the converse need not hold.
_FOLD = str.maketrans({**{c: ("i" if letter in "ilt" else letter)
                          for letter, subs in _L33T.items() for c in subs},
                       "l": "i", "t": "i"})


@cache
def _folded_inputs(inputs: tuple[str, ...]) -> tuple[str, ...]:
    words = {w.lower().translate(_FOLD) for w in inputs if w and w.isascii()}
    return tuple(sorted(words | {w[::-1] for w in words}))


def needs_inputs(password: str, inputs: tuple[str, ...]) -> bool:
    """Whether telling the estimator `inputs` can change its answer for
    `password`. They are one more dictionary, matched ignoring case, reversed
    or with l33t substitutions: where none of its words can match, the answer
    is the one without them, and the call is 10% cheaper (zxcvbn rebuilds
    that dictionary on every dictionary pass). The test is a superset
    (folded spellings); a non-ASCII password always gets them."""
    words = _folded_inputs(inputs)
    if not words:
        return False
    if not password.isascii():
        return True
    folded = password.lower().translate(_FOLD)
    return any(w in folded for w in words)


def estimate_many(items: list[str], threshold: float | None = None,
                  inputs: list[str] | None = None) -> list[float]:
    """Bits of guesses for each password, told `inputs` (user_inputs) where
    they can matter (needs_inputs)."""
    from zxcvbn_rs_py import zxcvbn

    words = tuple(inputs or ())
    none: list[str] = []

    def known(pw: str) -> list[str]:
        return list(words) if needs_inputs(pw, words) else none

    bits = [float(zxcvbn(pw, known(pw)).guesses_log10) * _LOG2_10 for pw in items]
    if threshold is not None:
        for i, b in enumerate(bits):
            if threshold <= b < threshold + _RECHECK_BAND:
                again = (float(zxcvbn(items[i], known(items[i])).guesses_log10) * _LOG2_10
                         for _ in range(_RECHECK_RUNS))
                bits[i] = min(b, *again)
    return bits
