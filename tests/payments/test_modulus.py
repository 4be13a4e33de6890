"""Vocalink's published standard test cases for modulus checking ("Validating account numbers",
v8.90, appendix of standard tests), plus bad input and the shape of the shipped tables."""

import pytest

from payments import modulus

# (sort code, account number, valid?, what the case exercises) — Vocalink's numbering.
VOCALINK_STANDARD_TESTS = [
    ("089999", "66374958", True, "1: pass modulus 10"),
    ("107999", "88837491", True, "2: pass modulus 11"),
    ("202959", "63748472", True, "3: pass modulus 11 and double alternate"),
    ("871427", "46238510", True, "4: exceptions 10 & 11, first passes, second fails"),
    ("872427", "46238510", True, "5: exceptions 10 & 11, first fails, second passes"),
    ("871427", "09123496", True, "6: exception 10, ab=09 and g=9"),
    ("871427", "99123496", True, "7: exception 10, ab=99 and g=9"),
    ("820000", "73688637", True, "8: exception 3, start of range, c=6 so second check ignored"),
    ("827999", "73988638", True, "9: exception 3, end of range, c=9 so second check ignored"),
    ("827101", "28748352", True, "10: exception 3, c not 6 or 9, both checks pass"),
    ("134020", "63849203", True, "11: exception 4, remainder equals the check digit"),
    ("118765", "64371389", True, "12: exception 1 adds 27, passes double alternate"),
    ("200915", "41011166", True, "13: exception 6, foreign currency account"),
    ("938611", "07806039", True, "14: exception 5 passes"),
    ("938600", "42368003", True, "15: exception 5 passes with substitution"),
    ("938063", "55065200", True, "16: exception 5, both remainders 0"),
    ("772798", "99345694", True, "17: exception 7 passes, would fail the standard check"),
    ("086090", "06774744", True, "18: exception 8 passes"),
    ("309070", "02355688", True, "19: exceptions 2 & 9, first check passes"),
    ("309070", "12345668", True, "20: exceptions 2 & 9, first fails, second passes with substitution"),
    ("309070", "12345677", True, "21: exceptions 2 & 9, a<>0 and g<>9, passes"),
    ("309070", "99345694", True, "22: exceptions 2 & 9, a<>0 and g=9, passes"),
    ("938063", "15764273", False, "23: exception 5, first check digit correct, second incorrect"),
    ("938063", "15764264", False, "24: exception 5, first check digit incorrect, second correct"),
    ("938063", "15763217", False, "25: exception 5, first check remainder 1"),
    ("118765", "64371388", False, "26: exception 1, fails double alternate"),
    ("203099", "66831036", False, "27: passes modulus 11, fails double alternate"),
    ("203099", "58716970", False, "28: fails modulus 11, passes double alternate"),
    ("089999", "66374959", False, "29: fails modulus 10"),
    ("107999", "88837493", False, "30: fails modulus 11"),
    ("074456", "12345112", True, "31: exceptions 12 & 13, passes modulus 11 (would fail modulus 10)"),
    ("070116", "34012583", True, "32: exceptions 12 & 13, passes modulus 11 (would pass modulus 10)"),
    ("074456", "11104102", True, "33: exceptions 12 & 13, fails modulus 11, passes modulus 10"),
    ("180002", "00000190", True, "34: exception 14, first check fails, second passes"),
]


@pytest.mark.parametrize(
    "sort_code,account,valid,case", VOCALINK_STANDARD_TESTS, ids=[t[3].split(":")[0] for t in VOCALINK_STANDARD_TESTS]
)
def test_vocalink_standard_cases(sort_code, account, valid, case):
    assert modulus.check(sort_code, account) is valid, case


class TestInput:
    def test_sort_code_with_dashes_and_spaces(self):
        assert modulus.check("08-99 99", "66374958") is True

    def test_short_account_numbers_get_leading_zeros(self):
        assert modulus.normalise_account_number("1234567") == "01234567"
        assert modulus.normalise_account_number("123456") == "00123456"

    def test_sort_code_without_a_rule_is_valid(self):
        assert modulus.rules_for("000001") == []
        assert modulus.check("000001", "12165678") is True

    @pytest.mark.parametrize(
        "sort_code,account",
        [
            ("12345", "12165678"),
            ("1234567", "12165678"),
            ("12a456", "12165678"),
            ("123456", "1234567a"),
            ("123456", "123456789"),
            ("123456", "12345"),
            ("", ""),
        ],
    )
    def test_malformed_input_raises(self, sort_code, account):
        with pytest.raises(ValueError):
            modulus.check(sort_code, account)


class TestTables:
    def test_tables_load(self):
        assert len(modulus.rules()) > 1000
        assert {rule.method for rule in modulus.rules()} == {"MOD10", "MOD11", "DBLAL"}
        assert modulus.substitutions()["938600"] == "938611"

    def test_no_sort_code_has_more_than_two_rules(self):
        for rule in modulus.rules()[::50]:
            assert 1 <= len(modulus.rules_for(f"{rule.start:06d}")) <= 2
