"""Documents people sign and keep: one Django template renders the printable page (HTML) and the PDF.

The PDF comes from xhtml2pdf (pure Python, on reportlab): nothing to install beside pip. A document
is built by its own app (fgdm.documents: the family's plan; network_packages.documents: a package's
written agreement); this module renders it, answers it as a page or a file, and words dates and
money the way the family reads them ("3 March 2027", "£25.00").
"""

import datetime
import io
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.template.loader import render_to_string

from core.exceptions import RuleBroken

HTML, PDF = "html", "pdf"
FORMATS = (HTML, PDF)


def uk_date(day: datetime.date | None) -> str:
    """A date as people write it in the UK: "3 March 2027" (no leading zero)."""
    return f"{day.day} {day:%B} {day.year}" if day else ""


def pounds(amount: Decimal | None) -> str:
    """Money in pounds and pence: "£1,250.00"."""
    return f"£{Decimal(amount or 0):,.2f}"


@dataclass(frozen=True)
class Document:
    """A rendered document: its printable HTML and the file name it downloads as (without extension)."""

    title: str
    html: str
    filename: str

    def pdf(self) -> bytes:
        return render_pdf(self.html)


def render(template: str, context: dict, *, title: str, filename: str) -> Document:
    return Document(title=title, html=render_to_string(template, {"title": title, **context}), filename=filename)


def _static_file(uri: str, rel: str) -> str:
    """xhtml2pdf's link callback: a stylesheet the page links (`/static/…`) read from the app's files."""
    prefix = "/" + settings.STATIC_URL.lstrip("/")
    if uri.startswith(prefix):
        found = finders.find(uri[len(prefix) :])
        if found:
            return found
    return uri


def render_pdf(html: str) -> bytes:
    """The PDF of a document's HTML. Raises RuntimeError if xhtml2pdf reports an error."""
    from xhtml2pdf import pisa

    out = io.BytesIO()
    result = pisa.CreatePDF(html, dest=out, encoding="utf-8", link_callback=_static_file)
    if result.err:
        raise RuntimeError(f"The PDF could not be made ({result.err} errors).")
    return out.getvalue()


def chosen_format(value: str | None, *, default: str) -> str:
    """`?format=` of a document: html or pdf. Raises RuleBroken (400) for anything else."""
    value = (value or default).strip().lower()
    if value not in FORMATS:
        raise RuleBroken("Choose the format html (the printable page) or pdf.", field="format")
    return value


def document_response(document: Document, fmt: str) -> HttpResponse:
    """The printable page, or the PDF as a download named after the document."""
    if fmt == HTML:
        return HttpResponse(document.html, content_type="text/html; charset=utf-8")
    response = HttpResponse(document.pdf(), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{document.filename}.pdf"'
    return response
