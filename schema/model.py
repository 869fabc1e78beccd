"""The pandera schema of extensions.csv, built from the policy.

Every rule of schema/rules.py is one registered check (schema/checks.py);
severity "off" leaves a rule out. Each schema's `BoundCheck` list ties its
checks back to their rule id and column, since pandera reports failures by
check position. Two schemas run in turn (LATE below), and one rule is read
straight from its derived mask beside them (DIRECT).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import pandas as pd
import pandera.pandas as pa

from extctl.policy import Policy
from schema.checks import REGISTRY
from schema.columns import BOOLEAN_COLUMNS
from schema.derive import TEXT_COLUMNS
from schema.estimator import password_inputs
from schema.rules import RULES


@dataclass(frozen=True)
class BoundCheck:
    rule: str
    column: str
    severity: str


# Rules whose failing rows validate/run.py reads straight from the check's
# mask instead of through pandera. password-literal fails on every literal
# password (1% of a real file: 10,000 rows at a million), and a failing
# pandera check costs a boolean selection of every column of the frame plus
# its failure-case table (+0.5 s CPU at a million rows), for a rule that is
# one derived column (`_literal`).
DIRECT: frozenset[str] = frozenset({"password-literal"})


@dataclass(frozen=True)
class DirectCheck:
    """A rule of DIRECT, bound to its column, severity and parameters."""

    bound: BoundCheck
    fn: Callable[[pd.DataFrame], pd.Series]  # True where a row passes


def _spec(policy: Policy, today: dt.date) -> list[tuple[str, str, object]]:
    """(rule id, column, params) for every rule, in the order they run."""
    return [
        ("code-format", "code", ()),
        ("code-length", "code", (policy.code_min_length, policy.code_max_length)),
        ("code-duplicate", "code", ()),
        ("code-reserved", "code", policy.reserved_codes),
        ("code-prefix", "code", ()),
        ("code-team-range", "code", policy.teams),
        ("name-format", "name", ()),
        ("name-formula", "name", ()),
        ("username-format", "username", ()),
        ("username-duplicate", "username", ()),
        ("username-code-clash", "username", ()),
        ("password-literal", "password", ()),
        ("password-length", "password", (policy.min_length,)),
        ("password-charset", "password", ()),
        ("password-personal", "password", ()),
        ("password-sequence", "password", ()),
        ("call-limit-range", "call_limit", (policy.max_call_limit,)),
        *[("boolean-format", col, (col,)) for col in BOOLEAN_COLUMNS],
        ("forward-number-format", "forward_number", ()),
        ("allowed-ips-format", "allowed_ips", ()),
        ("allowed-ips-host-bits", "allowed_ips", ()),
        ("allowed-ips-any", "allowed_ips", ()),
        ("allowed-ips-mapped", "allowed_ips", ()),
        ("allowed-ips-required", "allowed_ips", ()),
        ("team-format", "team", ()),
        ("owner-format", "owner", ()),
        *([("owner-required", "owner", ())] if policy.require_owner else []),
        ("rotation-date-format", "password_rotated", ()),
        ("rotation-date-future", "password_rotated", (today.isoformat(),)),
        ("rotation-overdue", "password_rotated", (today.isoformat(), policy.rotation_days)),
        ("transport-format", "transport", ()),
        ("notes-length", "notes", ()),
        *[("text-invisible", col, (col,)) for col in TEXT_COLUMNS],
        ("forward-number-invalid", "forward_number", ()),
        # LATE: it joins the estimates started beside everything else
        # (schema/estimator.py), taking over what the worker has not begun.
        ("password-guessable", "password", (policy.min_guess_bits, policy.min_length,
                                            tuple(password_inputs(policy)))),
    ]


# Rules that join work started beside validation (schema/estimator.py): a
# second pandera schema runs them after the findings of every other rule
# are built, so that work (10,000 password-literal warnings take a quarter
# of a second) overlaps the worker instead of following it.
LATE: frozenset[str] = frozenset({"password-guessable"})


@dataclass(frozen=True)
class Stage:
    """One pandera schema and the rule of each of its checks, in check order."""

    schema: pa.DataFrameSchema
    bound: list[BoundCheck]


def build_schema(policy: Policy, today: dt.date) -> tuple[Stage, list[DirectCheck], Stage]:
    """The pandera schema of every rule but the DIRECT and LATE ones, the
    DIRECT rules run beside it, and the schema of the LATE rules."""
    stages: dict[bool, tuple[list[pa.Check], list[BoundCheck]]] = {False: ([], []),
                                                                     True: ([], [])}
    direct: list[DirectCheck] = []
    for rule, column, params in _spec(policy, today):
        severity = policy.severity_of(rule, RULES[rule][0])
        if severity == "off":
            continue
        fn = REGISTRY[rule]
        if rule in DIRECT:
            direct.append(DirectCheck(BoundCheck(rule, column, severity),
                                      partial(fn, params=params)))
            continue
        checks, bound = stages[rule in LATE]
        # ignore_na=False: cells are never NA here (blank is ""), and pandera's
        # NA pass over every column costs 30 ms a check at a million rows.
        # n_failure_cases=1: the failing rows are read from each check's
        # boolean output (validate/run.py); pandera's own failure-case table
        # holds every column of every failing row as text (5 s for 100,000).
        checks.append(pa.Check(partial(fn, params=params), name=rule, ignore_na=False,
                               n_failure_cases=1))
        bound.append(BoundCheck(rule, column, severity))
    main, late = (Stage(pa.DataFrameSchema(checks=c, name="extensions.csv"), b)
                  for c, b in (stages[False], stages[True]))
    return main, direct, late
