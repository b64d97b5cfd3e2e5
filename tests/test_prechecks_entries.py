"""The cheap pre-tests in entries and dating agree with the plain regexes they guard."""
import random

import pytest

from brokenlang import dating, entries

ALPHABET = [" ", "  ", "\t", "-", "=", "*", "_", "#", ":", ".", ")", "[", "]", ">", "+", "•", "0", "1", "2", "9",
            "٣", "\u3000", "\x0c", "a", "P", "m", "Z", "UTC", "am", "pm", "|", "`", "~", "2026", "-02-14", "/03/25",
            " Feb ", "14", "T09:10", "+02:00", "\udcff", "é"]


def texts(seed: int, n: int = 3000) -> list[str]:
    rnd = random.Random(seed)
    return ["".join(rnd.choice(ALPHABET) for _ in range(rnd.randint(0, 10))) for _ in range(n)]


def plain_lead_time(text: str) -> tuple[int, int, int] | None:
    m = dating.TIME_LEAD.match(text)
    if not m:
        return None
    h, mi = int(m.group(1)), int(m.group(2))
    ampm = (m.group(4) or "").lower()
    h = h + 12 if ampm == "pm" and h < 12 else (0 if ampm == "am" and h == 12 else h)
    return None if h > 23 or mi > 59 else (h, mi, int(m.group(3) or 0))


@pytest.mark.parametrize("seed", range(4))
def test_line_pre_tests_match_the_regexes(seed: int) -> None:
    for t in texts(seed):
        stripped = t.lstrip(" \t")
        if stripped:
            assert entries._is_hr(t, stripped[0]) is bool(entries.HR.match(t)), t
        assert entries._is_setext(t) is bool(entries.SETEXT.match(t)), t


@pytest.mark.parametrize("seed", range(4))
def test_dating_pre_tests_match_the_regexes(seed: int) -> None:
    for t in texts(seed):
        assert dating.lead_time(t) == plain_lead_time(t), t
        assert bool(dating.FOUR_ASCII_DIGITS.search(t) if t.isascii() else dating.FOUR_DIGITS.search(t)) \
            is bool(dating.FOUR_DIGITS.search(t)), t
        found = dating.find_date(t)
        if found:   # _with_time builds what replace() gives for every day find_date returns
            day = found[0]
            assert dating._with_time(day, (7, 8, 9)) == day.replace(hour=7, minute=8, second=9)
            assert dating._with_time(day, (7, 8, 9)).tzinfo is day.tzinfo


def test_ascii_lead_characters_are_the_class_members() -> None:
    assert set(dating._LEAD_ASCII) >= set(" \t-#*[]0123456789>")
    assert ":" not in dating._LEAD_ASCII
