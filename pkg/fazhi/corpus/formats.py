"""Office and PDF documents: the text of a ``.docx`` (python-docx) and of a PDF's text layer (pypdf).

In: a file's bytes. Out: its text, paragraphs on their own lines (a Word table: one row a line, cells
separated by a tab; a PDF: its pages in order). How: ``python-docx`` walks the body in document order;
``pypdf`` extracts each page's text layer. Raises ``Rejected`` with the reason a file gives no text:
``damaged`` (cannot be parsed), ``encrypted``, ``empty`` (a Word document without text) or
``no_text_layer`` (a PDF that is a scan: OCR it first).
"""

from __future__ import annotations

import io
import re

from .decode import _CJK, Rejected

# A PDF whose text layer holds no hanzi and fewer than this many visible characters per page is a scan.
MIN_PDF_CHARS_PER_PAGE = 20


def docx_text(raw: bytes) -> str:
    """The text of a Word ``.docx``: paragraphs and table rows in document order.

    Raises
    ------
    Rejected
        ``damaged`` when it is not a readable .docx, ``empty`` when it holds no text.
    """
    try:
        import docx
        from docx.table import Table

        document = docx.Document(io.BytesIO(raw))
        lines: list[str] = []
        for block in document.iter_inner_content():
            if isinstance(block, Table):
                for row in block.rows:
                    cells: list[str] = []
                    for cell in row.cells:
                        t = cell.text.strip()
                        if not cells or cells[-1] != t:  # a merged cell repeats its text
                            cells.append(t)
                    lines.append("\t".join(cells))
            else:
                lines.append(block.text)
    except Rejected:
        raise
    except Exception as e:
        raise Rejected("damaged", f"not a readable Word .docx file ({type(e).__name__}: {e})") from e
    text = "\n".join(lines)
    if not text.strip():
        raise Rejected("empty", "the Word document holds no text")
    return text


def pdf_text(raw: bytes) -> str:
    """The text layer of a PDF, page after page.

    Raises
    ------
    Rejected
        ``damaged`` when it cannot be parsed, ``encrypted`` when it needs a password, and
        ``no_text_layer`` when it has no text to extract (a scan: OCR it first).
    """
    try:
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(raw))
        if reader.is_encrypted and not reader.decrypt(""):
            raise Rejected("encrypted", "the PDF needs a password")
        pages = [page.extract_text() or "" for page in reader.pages]
    except Rejected:
        raise
    except Exception as e:
        raise Rejected("damaged", f"PDF that cannot be parsed ({type(e).__name__}: {e})") from e
    text = "\n".join(pages)
    visible = len(re.sub(r"\s", "", text))
    if not _CJK.search(text) and visible < MIN_PDF_CHARS_PER_PAGE * max(1, len(pages)):
        raise Rejected(
            "no_text_layer",
            f"no text layer: OCR it first ({len(pages)} page(s), {visible} character(s) of text)",
        )
    return text
