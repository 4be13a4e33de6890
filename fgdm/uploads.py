"""What an uploaded case document is, found from its content, never its name: the checks
`fgdm.services.case_document_upload` makes before anything is stored.

PDF, PNG and JPEG are recognised by their signatures (the `filetype` library, pure Python, no
libmagic). A Word document (.docx) is a ZIP archive: `filetype` sees the archive, and the archive
itself is then opened (the standard library's zipfile, reading only its directory and one small
part) to check that it is a Word document and not a macro-enabled one (.docm) or another archive.
A name whose extension says another type, or a browser's declared type that says another, is
refused as well: a PDF sent as "photo.png" or as image/png is a forged type.
"""

import io
import os
import re
import unicodedata
import zipfile

import filetype
from django.conf import settings

from core.exceptions import RuleBroken
from fgdm.constants import DocumentType

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
STORAGE = "case_documents"

# The extensions each type's file may have, the first is the one given to a name without one.
EXTENSIONS = {
    DocumentType.PDF: (".pdf",),
    DocumentType.PNG: (".png",),
    DocumentType.JPEG: (".jpg", ".jpeg"),
    DocumentType.DOCX: (".docx",),
}
# What browsers may declare for each type besides its own name; "application/octet-stream" (or
# nothing) says nothing and is not held against the file.
DECLARED_ALIASES = {
    DocumentType.JPEG: {"image/jpg", "image/pjpeg"},
    DocumentType.PDF: {"application/x-pdf"},
    DocumentType.DOCX: {"application/zip"},  # a machine that knows no .docx type names the archive
}
UNSAID = {"", "application/octet-stream", "binary/octet-stream"}

_DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_ZIP_MAX_ENTRIES = 2000
_CONTENT_TYPES_MAX_BYTES = 256 * 1024


def document_storage():
    """The storage case documents are kept in: settings.STORAGES["case_documents"] (a private
    directory by default, S3-compatible storage by settings; never served by URL)."""
    from django.core.files.storage import storages

    return storages[STORAGE]


def max_bytes() -> int:
    """The largest document accepted (setting FGDM_DOCUMENT_MAX_BYTES, default 10 MB)."""
    return int(getattr(settings, "FGDM_DOCUMENT_MAX_BYTES", DEFAULT_MAX_BYTES))


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB" if size >= 1024 * 1024 else f"{size // 1024} KB"


def ensure_size(size: int) -> None:
    """Raises RuleBroken (field `file`) for an empty file or one over the limit."""
    if size <= 0:
        raise RuleBroken("The selected file is empty.", field="file")
    if size > max_bytes():
        raise RuleBroken(f"The selected file must be smaller than {_megabytes(max_bytes())}.", field="file")


def _is_docx(content: bytes) -> bool:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, ValueError):
        return False
    with archive:
        entries = archive.infolist()
        if len(entries) > _ZIP_MAX_ENTRIES:
            return False
        names = {entry.filename for entry in entries}
        if "[Content_Types].xml" not in names or "word/document.xml" not in names:
            return False
        if any(name.lower().endswith("vbaproject.bin") for name in names):
            return False  # macros: a .docm whatever its name
        types = archive.getinfo("[Content_Types].xml")
        if types.file_size > _CONTENT_TYPES_MAX_BYTES:
            return False
        try:
            declared = archive.read(types).decode("utf-8", "replace")
        except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError):
            return False
    return _DOCX_MAIN in declared


def detect_type(content: bytes) -> str | None:
    """The DocumentType of the content, or None if it is none of them."""
    kind = filetype.guess(content[:8192])
    mime = kind.mime if kind else ""
    if mime in (DocumentType.PDF, DocumentType.PNG, DocumentType.JPEG):
        return mime
    if mime in ("application/zip", DocumentType.DOCX) and _is_docx(content):
        return DocumentType.DOCX
    return None


def safe_file_name(name: str) -> str:
    """The uploaded name as kept and offered back: its last path part, no control characters,
    no leading dots, at most 200 characters (the extension kept)."""
    name = unicodedata.normalize("NFC", str(name or "")).replace("\\", "/").split("/")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = re.sub(r"\s+", " ", name).strip().lstrip(".").strip()
    stem, ext = os.path.splitext(name)
    if len(ext) > 10:
        stem, ext = name, ""
    return (stem[: 200 - len(ext)] + ext) or "document"


def checked(*, content: bytes, file_name: str, declared_type: str = "") -> tuple[str, str]:
    """(the DocumentType found in the content, the safe file name) of an upload, or RuleBroken on
    `file`: too large or empty, not a PDF, PNG, JPEG or Word document, or a name or declared type
    that says another type than its content."""
    ensure_size(len(content))
    found = detect_type(content)
    if found is None:
        raise RuleBroken("The selected file must be a PDF, PNG, JPEG or Word (.docx) document.", field="file")
    label = DocumentType(found).label
    name = safe_file_name(file_name)
    ext = os.path.splitext(name)[1].lower()
    if ext and ext not in EXTENSIONS[found]:
        raise RuleBroken(
            f"The selected file is a {label} but its name ends “{ext}”: only upload files whose name says what "
            "they are.",
            field="file",
        )
    if not ext:
        name += EXTENSIONS[found][0]
    declared = (declared_type or "").split(";")[0].strip().lower()
    if declared not in UNSAID and declared != found and declared not in DECLARED_ALIASES.get(found, ()):
        raise RuleBroken(f"The selected file is a {label} but was sent as {declared}.", field="file")
    return found, name
