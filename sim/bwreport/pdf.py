"""The PDF of a report: the same HTML laid out for A4 by WeasyPrint (Debian
package weasyprint), tagged (PDF/UA-1: headings, lists, tables and figures
with their text alternatives in the structure tree) where this WeasyPrint
offers it. Without WeasyPrint, no PDF (the caller warns).

Deterministic: no dates in the metadata, and the font subsets are stamped
with a fixed SOURCE_DATE_EPOCH; the same HTML gives the same bytes.
"""

import logging
import os

PDF_EPOCH = "0"
VARIANT = "pdf/ua-1"


def available():
    if os.environ.get("BWSIM_REPORT_NO_PDF"):  # the tests' way to see the fallback
        return False
    try:
        import weasyprint  # noqa: F401
    except ImportError:
        return False
    return True


def _variants():
    try:
        from weasyprint.pdf import VARIANTS
        return VARIANTS
    except ImportError:
        return {}


def render(html_text, css_extra=None):
    """The laid-out document (weasyprint.Document)."""
    import weasyprint
    for name in ("weasyprint", "fontTools"):
        logging.getLogger(name).setLevel(logging.ERROR)
    styles = [weasyprint.CSS(string=css_extra)] if css_extra else None
    return weasyprint.HTML(string=html_text).render(stylesheets=styles)


def page_of(document, anchor):
    """The 0-based page that holds the element id anchor, or None."""
    for i, page in enumerate(document.pages):
        if anchor in page.anchors:
            return i
    return None


def write(document, path):
    """Write a rendered document as PDF (tagged where WeasyPrint can)."""
    import weasyprint
    old = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = PDF_EPOCH  # fontTools stamps font subsets with it
    try:
        variant = VARIANT if VARIANT in _variants() else None
        document.write_pdf(path, variant=variant) if variant else document.write_pdf(path)
    finally:
        if old is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = old


def to_pdf(html_text, path, first_page_ends_before=None, tighter_css=None):
    """report.pdf from the HTML; False when WeasyPrint is not installed. With
    first_page_ends_before (an element id), the page is laid out again with
    tighter_css when that element does not start page 2: the summary keeps to
    one page."""
    if not available():
        return False
    doc = render(html_text)
    if first_page_ends_before and tighter_css:
        at = page_of(doc, first_page_ends_before)
        if at is not None and at > 1:
            doc = render(html_text, tighter_css)
    write(doc, path)
    return True
