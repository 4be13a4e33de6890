"""UK bank account modulus checking, as Vocalink specifies it ("Validating account numbers").

The rules come from two tables Vocalink publishes and that ship in `payments/vocalink/`:
`valacdos-v*.txt` (sort code ranges → method, 14 weights, exception) and `scsubtab.txt` (sort
code substitutions for exception 5). README.md says how to keep them current.

`check(sort_code, account_number)` answers True when the pair passes (or when Vocalink has no rule
for the sort code, which the specification says to treat as valid), False when it fails.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

TABLES = Path(__file__).resolve().parent / "vocalink"
# Which valacdos file is in force; when Vocalink publishes a new one, add it and change this.
VALACDOS_FILE = "valacdos-v890.txt"
SCSUBTAB_FILE = "scsubtab.txt"

# Positions of the 14 digits (sort code u-z, account a-h) in Vocalink's naming.
U, V, W, X, Y, Z, A, B, C, D, E, F, G, H = range(14)

EXCEPTION_2_WEIGHTS_G_NOT_9 = (0, 0, 1, 2, 5, 3, 6, 4, 8, 7, 10, 9, 3, 1)
EXCEPTION_2_WEIGHTS_G_9 = (0, 0, 0, 0, 0, 0, 0, 0, 8, 7, 10, 9, 3, 1)


@dataclass(frozen=True)
class Rule:
    start: int
    end: int
    method: str  # MOD10, MOD11 or DBLAL
    weights: tuple[int, ...]
    exception: int | None


def _rows(name: str):
    for raw in (TABLES / name).read_text(encoding="ascii").splitlines():
        fields = raw.replace(",", " ").split()
        if fields:
            yield fields


@functools.cache
def rules() -> tuple[Rule, ...]:
    """The valacdos table, in file order (the order matters where a sort code has two rows)."""
    loaded = []
    for fields in _rows(VALACDOS_FILE):
        if len(fields) not in (17, 18) or fields[2] not in ("MOD10", "MOD11", "DBLAL"):
            raise ValueError(f"Malformed line in {VALACDOS_FILE}: {' '.join(fields)}")
        loaded.append(Rule(int(fields[0]), int(fields[1]), fields[2], tuple(int(w) for w in fields[3:17]),
                           int(fields[17]) if len(fields) == 18 else None))
    return tuple(loaded)


@functools.cache
def substitutions() -> dict[str, str]:
    return {fields[0]: fields[1] for fields in _rows(SCSUBTAB_FILE)}


def rules_for(sort_code: str) -> list[Rule]:
    number = int(sort_code)
    return [rule for rule in rules() if rule.start <= number <= rule.end]


def _total(digits: str, weights: tuple[int, ...], method: str) -> int:
    products = [int(d) * w for d, w in zip(digits, weights)]
    if method == "DBLAL":
        return sum(sum(int(ch) for ch in str(p)) for p in products)
    return sum(products)


def _standard(rule: Rule, digits: str, weights: tuple[int, ...] | None = None) -> bool:
    weights = weights or rule.weights
    total = _total(digits, weights, rule.method)
    if rule.exception == 1:
        total += 27
    modulus = 11 if rule.method == "MOD11" else 10
    remainder = total % modulus
    if rule.exception == 4:
        return remainder == int(digits[G:H + 1])
    if rule.exception == 5:
        if rule.method == "MOD11":
            if remainder == 1:
                return False
            return (remainder == 0 and digits[G] == "0") or 11 - remainder == int(digits[G])
        return (remainder == 0 and digits[H] == "0") or 10 - remainder == int(digits[H])
    return remainder == 0


def _run(rule: Rule, sort_code: str, account: str) -> bool:
    """One row's check, with the exceptions that change the digits or weights of that row."""
    exception = rule.exception
    if exception == 5:
        sort_code = substitutions().get(sort_code, sort_code)
    elif exception == 8:
        sort_code = "090126"
    digits = sort_code + account
    weights = rule.weights
    if exception == 2 and digits[A] != "0":
        weights = EXCEPTION_2_WEIGHTS_G_9 if digits[G] == "9" else EXCEPTION_2_WEIGHTS_G_NOT_9
    elif exception == 7 and digits[G] == "9":
        weights = (0,) * 8 + weights[8:]
    elif exception == 10 and digits[A:B + 1] in ("09", "99") and digits[G] == "9":
        weights = (0,) * 8 + weights[8:]
    if _standard(rule, digits, weights):
        return True
    if exception == 14:
        # A failing MOD11 may be an account whose last digit is a "check" 0, 1 or 9: drop it and
        # check the number shifted right (Vocalink exception 14).
        if digits[H] not in "019":
            return False
        return _standard(rule, sort_code + "0" + account[:7], weights)
    return False


def normalise_account_number(account_number: str) -> str:
    """Vocalink: 6 and 7 digit account numbers are checked with leading zeros."""
    account = "".join(str(account_number).split())
    if account.isdigit() and len(account) in (6, 7):
        account = account.rjust(8, "0")
    return account


def check(sort_code: str, account_number: str) -> bool:
    """True if the pair passes Vocalink's modulus check (or no rule covers the sort code).

    Raises ValueError if the sort code is not 6 digits or the account number not 6-8 digits.
    """
    sort_code = "".join(ch for ch in str(sort_code) if ch not in " -")
    account = normalise_account_number(account_number)
    if len(sort_code) != 6 or not sort_code.isdigit():
        raise ValueError("A sort code is 6 digits.")
    if len(account) != 8 or not account.isdigit():
        raise ValueError("An account number is 8 digits.")
    found = rules_for(sort_code)
    if not found:
        return True  # Vocalink: no rule for the sort code means no check can be made: valid.
    first = found[0]
    digits = sort_code + account
    if first.exception == 6 and digits[A] in "45678" and digits[G] == digits[H]:
        return True  # a foreign currency account: it cannot be checked
    first_ok = _run(first, sort_code, account)
    if len(found) == 1:
        return first_ok
    second = found[1]
    if first.exception in (2, 10, 12):
        # Exceptions 2 & 9, 10 & 11, 12 & 13: the account is valid if either check passes;
        # for 9 the second check runs with sort code 309634.
        if first_ok:
            return True
        return _run(second, "309634" if second.exception == 9 else sort_code, account)
    if not first_ok:
        return False
    if second.exception == 3 and digits[C] in "69":
        return True  # exception 3: the second check is not needed
    return _run(second, sort_code, account)
