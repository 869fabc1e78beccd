"""Every rule id with its default severity and one line of documentation.

Ids are a public contract (JSON output, policy overrides, README): never
rename one. No pandas here: the policy loader imports this.
"""

from __future__ import annotations

from typing import Final

# id -> (default severity, one-line description)
RULES: Final[dict[str, tuple[str, str]]] = {
    # file level: the CSV itself
    "file-empty": ("error", "the file is empty (a header-only file is fine)"),
    "file-encoding": ("error", "bytes that are not UTF-8"),
    "file-conflict-marker": ("error", "a Git conflict marker (<<<<<<<, =======, >>>>>>>)"),
    "file-blank-line": ("error", "a blank line between rows"),
    "file-quoting": ("error", "a quote that is never closed or stray text after a closing quote"),
    "file-field-count": ("error", "a row with more or fewer fields than the header"),
    "file-field-too-large": ("error", "a field longer than the reader's limit (131,072 chars)"),
    "header-unknown-column": ("error", "a column extctl does not know (typo?)"),
    "header-duplicate-column": ("error", "the same column twice in the header"),
    "header-missing-column": ("error", "a required column (code, name) is missing"),
    # code
    "code-format": ("error", "code is not ASCII digits without a leading zero"),
    "code-length": ("error", "code length outside the policy (default 3-6 digits)"),
    "code-duplicate": ("error", "the same code on two rows"),
    "code-reserved": ("error", "code is an emergency/reserved number (911, 112, ...)"),
    "code-prefix": ("error", "code is a prefix of another code (210 vs 2105 collide)"),
    "code-team-range": ("error", "code outside its team's range in the policy"),
    # name
    "name-format": ("error", "name blank, over 64 characters or with edge spaces"),
    "name-formula": ("error", "name starts with = + - @ (a spreadsheet runs it as a formula)"),
    # username
    "username-format": ("error", "username not 1-40 of [A-Za-z0-9._-]"),
    "username-duplicate": ("error", "the same username (ignoring case) on two rows"),
    "username-code-clash": ("error", "username equals another row's code"),
    # password (value never echoed)
    "password-length": ("error", "literal password shorter than min_length or longer than 64"),
    "password-charset": ("error", "password has whitespace, non-ASCII or one of , ; \" ' \\"),
    "password-personal": ("error", "password contains the code, username or a name token"),
    "password-sequence": ("error", "password has 4+ repeated or sequential characters"),
    "password-guessable": ("error", "password is guessable (zxcvbn estimate under min_guess_bits, "
                           "company words and PBX jargon included)"),
    "password-literal": ("warning", "password is a literal, readable in git by everyone with the "
                         "repository (error with allow_literal_passwords = false)"),
    # other columns
    "call-limit-range": ("error", "call_limit not an integer from 1 to max_call_limit"),
    "boolean-format": ("error", "a boolean column holds other than true/false/yes/no/1/0"),
    "forward-number-format": ("error", "forward_number not canonical E.164 (+ and digits)"),
    "forward-number-invalid": ("error", "forward_number is not a valid number for its region"),
    "allowed-ips-format": ("error", "allowed_ips entry is not an IP address or network"),
    "allowed-ips-host-bits": ("error", "allowed_ips network has host bits set (10.0.0.1/24)"),
    "allowed-ips-any": ("error", "allowed_ips networks together cover more than the policy's "
                        "limit (default an IPv4 /8, an IPv6 /32), e.g. 0.0.0.0/1;128.0.0.0/1"),
    "allowed-ips-mapped": ("error",
                           "allowed_ips holds an IPv4-mapped IPv6 network (::ffff:0:0/96)"),
    "allowed-ips-required": ("error", "allowed_ips blank on an extension that is not remote"),
    "team-format": ("error", "team not [a-z0-9-]+"),
    "owner-format": ("error", "owner is not an e-mail address"),
    "owner-required": ("error", "owner blank while the policy sets require_owner"),
    "rotation-date-format": ("error", "password_rotated not an ISO date YYYY-MM-DD"),
    "rotation-date-future": ("error", "password_rotated is in the future"),
    "rotation-overdue": ("error", "high-risk extension without a rotation in rotation_days"),
    "transport-format": ("error", "transport not udp, tcp or tls"),
    "notes-length": ("error", "notes over 200 characters"),
    "text-invisible": ("error", "a text column (name, team, owner, notes) holds a control, format, "
                       "separator, private-use or unassigned character (U+202E, U+200B, ...)"),
}

# The only rules `[severity]` may set to "warning" or "off": organisational
# rules the PBX does not depend on. Every other rule guards data the PBX
# stores or a security property (exposure, emergency numbers, spoofing,
# password strength; its knobs are min_length, min_guess_bits, code_length),
# and a policy relaxing one is refused (exit 2), so no setting can let such
# a row reach plan or apply.
RELAXABLE: Final[frozenset[str]] = frozenset({
    "code-team-range",
    "team-format",
    "owner-format",
    "owner-required",
    "rotation-overdue",
    "password-literal",
})
