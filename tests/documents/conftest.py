"""Documents are read on a known day, so their dates can be checked as the family reads them."""

import datetime
import io
import zoneinfo

import pytest
import time_machine

# 20 February 2027: the meeting is held today, Nan's action is due by 27 February 2027 and the
# plan and package are reviewed by 3 April 2027 (scenario: in 7 and 42 days).
DAY = datetime.datetime(2027, 2, 20, 10, 0, tzinfo=zoneinfo.ZoneInfo("Europe/London"))


@pytest.fixture(autouse=True)
def on_a_known_day():
    with time_machine.travel(DAY, tick=True):
        yield


def pdf_text(content: bytes) -> str:
    """The text of a real PDF (pypdf parses it; a broken file raises)."""
    from pypdf import PdfReader

    assert content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(content))
    assert len(reader.pages) >= 1
    # Lines wrap where the page ends: the words, one space apart.
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())
