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
        loaded.append(
            Rule(
                int(fields[0]),
                int(fields[1]),
                fields[2],
                tuple(int(w) for w in fields[3:17]),
                int(fields[17]) if len(fields) == 18 else None,
            )
        )
    return tuple(loaded)


@functools.cache
def substitutions() -> dict[str, str]:
    return {fields[0]: fields[1] for fields in _rows(SCSUBTAB_FILE)}


def rules_for(sort_code: str) -> list[Rule]:
    number = int(sort_code)
    return [rule for rule in rules() if rule.start <= number <= rule.end]


def _total(digits: str, weights: tuple[int, ...], method: str) -> int:
    products = [int(d) * w for d, w in zip(digits, weights, strict=True)]
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
        return remainder == int(digits[G : H + 1])
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
    elif exception == 10 and digits[A : B + 1] in ("09", "99") and digits[G] == "9":
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


def _digits(value: str) -> bool:
    """ASCII 0-9 only: `str.isdigit()` alone accepts other scripts' digits (`٠٨٩٩٩٩`), which pass
    the arithmetic of the check but no bank file can carry."""
    return bool(value) and value.isascii() and value.isdigit()


def normalise_account_number(account_number: str) -> str:
    """Vocalink: 6 and 7 digit account numbers are checked with leading zeros."""
    account = "".join(str(account_number).split())
    if _digits(account) and len(account) in (6, 7):
        account = account.rjust(8, "0")
    return account


# --- Non-standard account numbers -----------------------------------------------------------------
#
# BACS carries a 6-digit sort code and an 8-digit account number. Vocalink's "Validating account
# numbers" (its section on non-standard account numbers; quoted from v3.10 in the docstring of the
# `ukmodulus` 0.0.1 package) says how the others are converted:
#   6 and 7 digits: prefix with zeros;
#   9 digits, Santander: replace the last digit of the sort code with the first digit of the
#     account number, then use the last 8 digits of the account number;
#   10 digits, National Westminster Bank: use the last 8 digits (ignoring a hyphen after the second);
#   10 digits, Co-operative Bank: use the first 8 digits.
# Leeds Building Society's own paying-in instructions ("How to make a payment",
# home-buying-options.leedsbuildingsociety.co.uk/how-to-make-a-payment/, and
# leedsbuildingsociety.co.uk/changes-to-paying-in/) say to use the first 8 digits of its 10-digit
# account numbers, with sort code 08-61-19 (savings) or 40-64-38 (mortgages).
# Which bank a sort code belongs to, without the industry's sorting code directory (EISCD, which
# is licensed): NatWest holds the 01 and 50-66 ranges (Wikipedia, "List of sort codes of the United
# Kingdom"); Santander 09-00 to 09-19, 72, 89-00 to 89-29 and 16-57-10 (Wikipedia "Sort code", as
# used by Monzo for the same purpose: github.com/AntoineAugusti/moduluschecking/issues/17); the
# Co-operative Bank's own branches are 08-90 to 08-99 (other 08 codes are agency codes of other
# institutions, e.g. 08-32 Citibank, 08-61 building societies). Other banks and building societies
# use 9 or 10 digit numbers with other conventions (Coventry and Nationwide drop the first digit of
# a 9-digit number, for instance), so any other 9 or 10 digit number is refused: the payee's bank
# tells them the 8-digit number to give for BACS payments.
SANTANDER = ((90000, 91999), (720000, 729999), (890000, 892999), (165710, 165710))
NATWEST = ((10000, 19999), (500000, 669999))
COOPERATIVE_BANK = ((89000, 89999),)
LEEDS_BUILDING_SOCIETY = ((86119, 86119), (406438, 406438))


class BankDetailsError(ValueError):
    """A sort code or account number that cannot be used (or converted) for BACS; `field` is the one at fault."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field, self.message = field, message


def _in(sort_code: str, ranges) -> bool:
    number = int(sort_code)
    return any(start <= number <= end for start, end in ranges)


def bacs_sort_code_and_account(sort_code: str, account_number: str) -> tuple[str, str]:
    """The 6-digit sort code and 8-digit account number BACS uses for details as a payee gives them:
    a sort code of 6 digits and an account number of 6 to 10 (spaces and dashes ignored), converted
    as Vocalink describes (see above). Checking them (`check`) is a separate step.

    Raises BankDetailsError naming the field at fault.
    """
    sort_code = "".join(ch for ch in str(sort_code) if ch not in " -")
    account = "".join(ch for ch in str(account_number) if ch not in " -")
    if len(sort_code) != 6 or not _digits(sort_code):
        raise BankDetailsError("sort_code", "Enter a sort code of 6 digits 0-9, e.g. 40-00-00.")
    if not _digits(account) or not 6 <= len(account) <= 10:
        raise BankDetailsError("account_number", "Enter an account number of 6 to 10 digits 0-9 (8 for most banks).")
    if len(account) <= 8:
        return sort_code, account.rjust(8, "0")
    if len(account) == 9:
        if _in(sort_code, SANTANDER):
            return sort_code[:5] + account[0], account[1:]
        raise BankDetailsError(
            "account_number",
            "A 9-digit account number can be converted for BACS only for a "
            "Santander sort code. Ask the payee for the 8-digit account number "
            "their bank gives for BACS payments (and its sort code).",
        )
    if _in(sort_code, NATWEST):
        return sort_code, account[2:]
    if _in(sort_code, COOPERATIVE_BANK) or _in(sort_code, LEEDS_BUILDING_SOCIETY):
        return sort_code, account[:8]
    raise BankDetailsError(
        "account_number",
        "A 10-digit account number can be converted for BACS only for a "
        "National Westminster, Co-operative Bank or Leeds Building Society sort "
        "code. Ask the payee for the 8-digit account number their bank gives "
        "for BACS payments.",
    )


def check(sort_code: str, account_number: str) -> bool:
    """True if the pair passes Vocalink's modulus check (or no rule covers the sort code).

    Raises ValueError if the sort code is not 6 digits or the account number not 6-8 digits.
    """
    sort_code = "".join(ch for ch in str(sort_code) if ch not in " -")
    account = normalise_account_number(account_number)
    if len(sort_code) != 6 or not _digits(sort_code):
        raise ValueError("A sort code is 6 digits.")
    if len(account) != 8 or not _digits(account):
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
