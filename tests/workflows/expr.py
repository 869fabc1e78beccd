"""GitHub Actions expressions (`${{ }}` and `if:`), the subset workflows use:
literals, context paths, ! && || == != ( ), and the status functions
success() failure() always() cancelled(), plus contains/startsWith/format.
Comparison follows GitHub: strings case-insensitively, mixed types as numbers."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Any

_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>-?\d+(?:\.\d+)?)|(?P<op>&&|\|\||==|!=|<=|>=|[!()<>,.\[\]*])"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_-]*))"
)
_EMBED = re.compile(r"\$\{\{(.*?)\}\}", re.S)


def tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise SyntaxError(f"cannot parse expression at {text[pos:]!r}")
        kind = m.lastgroup or ""
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


def _number(v: Any) -> float:
    if v is None:
        return 0.0
    if isinstance(v, bool):
        return float(v)
    if isinstance(v, int | float):
        return float(v)
    if isinstance(v, str):
        s = v.strip()
        if s == "":
            return 0.0
        try:
            return float(int(s, 0)) if s.lower().startswith("0x") else float(s)
        except ValueError:
            return math.nan
    return math.nan


def equal(a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return a.lower() == b.lower()
    if type(a) is type(b) and not isinstance(a, str | int | float | bool):
        return a is b or a == b
    return _number(a) == _number(b)


def truthy(v: Any) -> bool:
    if v is None or v is False or v == "":
        return False
    if isinstance(v, int | float) and not isinstance(v, bool):
        return not (v == 0 or math.isnan(v))
    return True


def to_str(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


class Evaluator:
    def __init__(self, contexts: Mapping[str, Any], status: Mapping[str, bool]) -> None:
        self.contexts = contexts
        self.status = status  # success/failure/cancelled of the job so far
        self.used_status = False

    def evaluate(self, text: str) -> Any:
        self.toks, self.i = tokens(text), 0
        value = self._or()
        if self.i != len(self.toks):
            raise SyntaxError(f"trailing tokens in {text!r}")
        return value

    def _peek(self) -> str | None:
        return self.toks[self.i][1] if self.i < len(self.toks) else None

    def _take(self, expected: str | None = None) -> tuple[str, str]:
        tok = self.toks[self.i]
        if expected is not None and tok[1] != expected:
            raise SyntaxError(f"expected {expected!r}, got {tok[1]!r}")
        self.i += 1
        return tok

    def _or(self) -> Any:
        left = self._and()
        while self._peek() == "||":
            self._take()
            right = self._and()
            left = left if truthy(left) else right
        return left

    def _and(self) -> Any:
        left = self._cmp()
        while self._peek() == "&&":
            self._take()
            right = self._cmp()
            left = right if truthy(left) else left
        return left

    def _cmp(self) -> Any:
        left = self._unary()
        while self._peek() in ("==", "!="):
            op = self._take()[1]
            right = self._unary()
            left = equal(left, right) if op == "==" else not equal(left, right)
        return left

    def _unary(self) -> Any:
        if self._peek() == "!":
            self._take()
            return not truthy(self._unary())
        return self._primary()

    def _primary(self) -> Any:
        kind, text = self._take()
        if text == "(":
            value = self._or()
            self._take(")")
            return value
        if kind == "str":
            return text[1:-1].replace("''", "'")
        if kind == "num":
            return float(text)
        if kind != "name":
            raise SyntaxError(f"unexpected {text!r}")
        if text in ("true", "false"):
            return text == "true"
        if text == "null":
            return None
        if self._peek() == "(":
            return self._call(text)
        value: Any = self.contexts.get(text)
        while self._peek() in (".", "["):
            if self._take()[1] == ".":
                key = self._take()[1]
            else:
                key = to_str(self._or())
                self._take("]")
            value = value.get(key) if isinstance(value, Mapping) else None
        return value

    def _call(self, name: str) -> Any:
        self._take("(")
        args: list[Any] = []
        while self._peek() != ")":
            args.append(self._or())
            if self._peek() == ",":
                self._take()
        self._take(")")
        functions: dict[str, Callable[..., Any]] = {
            "success": lambda: self.status["success"],
            "failure": lambda: self.status["failure"],
            "always": lambda: True,
            "cancelled": lambda: False,
            "contains": lambda a, b: to_str(b).lower() in to_str(a).lower(),
            "startsWith": lambda a, b: to_str(a).lower().startswith(to_str(b).lower()),
            "format": lambda f, *xs: re.sub(r"\{(\d+)\}", lambda m: to_str(xs[int(m[1])]), f),
        }
        if name in ("success", "failure", "always", "cancelled"):
            self.used_status = True
        if name not in functions:
            raise SyntaxError(f"the harness does not know the function {name}()")
        return functions[name](*args)


def condition(text: str | bool | None, contexts: Mapping[str, Any],
              status: Mapping[str, bool]) -> bool:
    """An `if:`: without a status function, success() && (expr), as GitHub does."""
    if text is None:
        return status["success"]
    if isinstance(text, bool):
        return text and status["success"]
    inner = text.strip()
    m = _EMBED.fullmatch(inner)
    if m:
        inner = m.group(1)
    ev = Evaluator(contexts, status)
    value = truthy(ev.evaluate(inner))
    return value if ev.used_status else (value and status["success"])


def substitute(text: Any, contexts: Mapping[str, Any]) -> str:
    """A `with:`/`env:` value with every `${{ expr }}` replaced."""
    ev = Evaluator(contexts, {"success": True, "failure": False})
    return _EMBED.sub(lambda m: to_str(ev.evaluate(m.group(1))), to_str(text))


def expressions(text: str) -> list[str]:
    return [m.group(1) for m in _EMBED.finditer(text)]
