"""A small streaming .xlsx (Office Open XML) writer: rows go straight into the zip.

openpyxl's write-only mode builds an object per cell and runs each through
its XML serialiser; for a million item scores (17 M cells) that is minutes.
This writer turns a row into one string of cell XML and writes it to the
zip member as it goes, so memory stays flat and the time is set by the
string formatting and zlib. It writes only what the export needs:

* inline strings (no shared-string table, so nothing grows with the study),
  always as text: a leading ``=``, ``+``, ``-`` or ``@`` never becomes a formula;
* numbers, booleans, dates and date-times (Excel serial numbers with a date
  style), number formats per column;
* a few fixed styles (bold header, section title, wrapped text), column
  widths, a frozen header row and an autofilter.

Text is cleaned for XML 1.0 and Excel: control characters become spaces,
a carriage return is kept as ``&#13;``, text over 32,767 characters is cut
and ends with :data:`CUT_MARKER` (the caller is told, to report it).
"""

from __future__ import annotations

import logging
import math
import re
import zipfile
from collections.abc import Callable, Sequence
from contextlib import suppress
from datetime import UTC, date, datetime
from typing import IO, Any
from xml.sax.saxutils import escape

log = logging.getLogger(__name__)

EXCEL_MAX_TEXT = 32_767
CUT_MARKER = " [… cut: longer than Excel's 32,767 characters]"
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_EPOCH = datetime(1899, 12, 30)
_EPOCH_ORDINAL = _EPOCH.toordinal()
_FLUSH_BYTES = 1 << 18  # rows are joined and written in chunks of about this size
_CACHE_MAX = 4_096  # cell XML kept per column: enough for the rows nearby, and bounded so memory stays flat
_CACHE_TEXT = 100  # longer text (notes) is rarely repeated: not cached

# Fixed cell styles (indices into cellXfs in styles.xml); number formats are added after them.
PLAIN, BOLD, TITLE, WRAP, DATE, DATETIME = range(6)
_BUILTIN_XFS = (
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>',
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>',
    '<xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="0" applyFont="1"/>',
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1">'
    '<alignment wrapText="1" vertical="top"/></xf>',
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>',
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>',
)
_BUILTIN_FORMATS = ("yyyy-mm-dd", "yyyy-mm-dd hh:mm:ss")


def column_letter(index: int) -> str:
    """Excel column name of the 0-based ``index`` (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


class TextCut:
    """Where text was cut to Excel's limit: (sheet, cell) pairs, for the export summary."""

    def __init__(self) -> None:
        self.cells: list[tuple[str, str]] = []
        self.sheet = ""
        self.where: Callable[[], str] = lambda: ""


def clean_text(value: str, cuts: TextCut | None = None) -> str:
    """``value`` as text Excel and XML accept: no control characters, at most 32,767 characters."""
    if _ILLEGAL.search(value):
        value = _ILLEGAL.sub(" ", value)
    if len(value) > EXCEL_MAX_TEXT:
        value = value[:EXCEL_MAX_TEXT - len(CUT_MARKER)] + CUT_MARKER
        if cuts is not None:
            cuts.cells.append((cuts.sheet, cuts.where()))
    return value


def _text_xml(value: str, cuts: TextCut | None, style: str) -> str:
    if not value.isprintable() or len(value) > EXCEL_MAX_TEXT:
        # The rare path: newlines, tabs, control characters, over-long text.
        value = clean_text(value, cuts)
        text = escape(value).replace("\r", "&#13;")
    else:
        text = escape(value)
    space = ' xml:space="preserve"' if value[:1].isspace() or value[-1:].isspace() else ""
    return f'<c{style} t="inlineStr"><is><t{space}>{text}</t></is></c>'


def _no_cache(_value: Any) -> None:
    return None


def _serial(value: date) -> float | int:
    if value.__class__ is datetime:
        seconds = value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6
        return value.toordinal() - _EPOCH_ORDINAL + seconds / 86400
    return value.toordinal() - _EPOCH_ORDINAL


class WorkbookStream:
    """An .xlsx file being written to ``handle`` (a binary file object) sheet by sheet.

    Use as a context manager; leaving it by an exception closes the zip
    without finishing it (the caller discards the file), so no
    ``ZipFile.__del__`` error follows on a full disk.
    """

    def __init__(self, handle: IO[bytes], *, level: int = 1, title: str = "", creator: str = ""):
        self._zip = zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED, compresslevel=level)
        self._sheets: list[str] = []
        self._formats: dict[str, int] = {}  # number format -> cellXfs index
        self._member: IO[bytes] | None = None
        self.title, self.creator = title, creator
        self.cuts = TextCut()

    def __enter__(self) -> WorkbookStream:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self.abandon()
            return
        try:
            self._finish()
        except BaseException:
            self.abandon()
            raise

    def style_for(self, number_format: str | None) -> int:
        """The cell style index showing numbers as ``number_format`` (PLAIN for None)."""
        if number_format is None:
            return PLAIN
        if number_format not in self._formats:
            self._formats[number_format] = len(_BUILTIN_XFS) + len(self._formats)
        return self._formats[number_format]

    def sheet(self, title: str, widths: Sequence[float], *, freeze_header: bool = True,
              large: bool = False) -> SheetStream:
        """Start the next worksheet; ``large`` allows a part over 2 GiB (zip64)."""
        if self._member is not None:
            raise RuntimeError("finish the previous sheet first")
        self._sheets.append(title)
        self._member = self._zip.open(f"xl/worksheets/sheet{len(self._sheets)}.xml", "w", force_zip64=large)
        self.cuts.sheet = title
        return SheetStream(self, self._member, widths, freeze_header)

    def _sheet_done(self) -> None:
        assert self._member is not None
        self._member.close()
        self._member = None

    def abandon(self) -> None:
        """Close after a failure without writing more (errors of a full disk are expected here)."""
        if self._member is not None:
            with suppress(Exception):
                self._member.close()
            self._member = None
        with suppress(Exception):
            self._zip.close()
        # Whatever happened, the ZipFile must not try again from __del__.
        self._zip.fp = None

    def _finish(self) -> None:
        if self._member is not None:
            raise RuntimeError("a sheet was not finished")
        write = self._zip.writestr
        n = len(self._sheets)
        write("[Content_Types].xml", _content_types(n))
        write("_rels/.rels", _ROOT_RELS)
        write("docProps/app.xml", _APP)
        write("docProps/core.xml", _core(self.title, self.creator))
        write("xl/workbook.xml", _workbook_xml(self._sheets))
        write("xl/_rels/workbook.xml.rels", _workbook_rels(n))
        write("xl/styles.xml", _styles(self._formats))
        self._zip.close()


class SheetStream:
    """One worksheet: rows are appended in order, then :meth:`close` ends the part.

    Cells carry no ``r`` reference (it is optional: cells follow each other)
    and an empty cell is ``<c/>``. That lets the XML of a repeated value
    (patient, rater, item, score) be made once and reused from a bounded
    cache, which is most of the writer's speed.
    """

    def __init__(self, book: WorkbookStream, member: IO[bytes], widths: Sequence[float], freeze_header: bool):
        self._book = book
        self._out = member
        self._chunk: list[str] = []
        self._size = 0
        self.rows = 0
        self._caches: dict[type, dict[Any, str]] = {str: {}, int: {}, float: {}, bool: {}, date: {}, datetime: {}}
        self._column_caches: list[dict[Any, str] | None] | None = None
        self._getters: list[Callable[[Any], str | None]] | None = None
        cols = "".join(f'<col min="{i}" max="{i}" width="{w:.1f}" customWidth="1"/>'
                       for i, w in enumerate(widths, 1))
        pane = ('<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft"'
                ' state="frozen"/><selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
                if freeze_header else '<sheetViews><sheetView workbookViewId="0"/></sheetViews>')
        head = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{_NS_MAIN}" '
                f'xmlns:r="{_NS_REL}">{pane}<sheetFormatPr defaultRowHeight="15"/>'
                + (f"<cols>{cols}</cols>" if cols else "") + "<sheetData>")
        self._out.write(head.encode())

    def _encode(self, value: Any, cls: type, style_id: int, column: int) -> str:
        """The XML of one cell (no reference)."""
        style = f' s="{style_id}"' if style_id else ""
        if cls is str:
            cuts = self._book.cuts
            cuts.where = lambda: f"{column_letter(column)}{self.rows}"
            return _text_xml(value, cuts, style)
        if cls is bool:
            return f'<c t="b"><v>{int(value)}</v></c>'
        if cls is int or cls is float:
            if cls is float and not math.isfinite(value):
                log.warning("a non-finite number was written as an empty cell")
                return "<c/>"
            return f"<c{style}><v>{value!r}</v></c>"
        if cls is datetime or cls is date:
            return f'<c s="{DATETIME if cls is datetime else DATE}"><v>{_serial(value)!r}</v></c>'
        return self._encode(str(value), str, style_id, column)

    def column_kinds(self, kinds: Sequence[str]) -> None:
        """Declare the columns' kinds: a column of one kind gets its own cache keyed by value alone.

        A "mixed" column keeps the per-type caches, because equal values of
        different types (1, 1.0, True) must not share a cell.
        """
        self._column_caches = [None if kind == "mixed" else {None: "<c/>"} for kind in kinds]
        self._getters = [cache.get if cache is not None else _no_cache for cache in self._column_caches]

    def append(self, values: Sequence[Any], styles: Sequence[int] | None = None, row_style: int = PLAIN) -> None:
        """Write one row; ``styles`` gives a cell style per column (else ``row_style`` for all).

        None is an empty cell; a non-finite float is an empty cell too (Excel
        would call the file damaged).
        """
        self.rows += 1
        body = None
        getters = self._getters
        if styles is None and row_style == PLAIN and getters is not None and len(values) <= len(getters):
            # The fast path of the big tables: every cell's XML is in its column's cache.
            # A value not cached yet gives None, which join() refuses: then the row is made cell by cell.
            try:
                body = "".join([get(v) for get, v in zip(getters, values)])  # noqa: B905 (length checked)
            except TypeError:
                pass
        if body is None:
            body = "".join([self._cell(value, styles[i] if styles is not None else row_style, i)
                            for i, value in enumerate(values)])
        text = f'<row r="{self.rows}">{body}</row>'
        self._chunk.append(text)
        self._size += len(text)
        if self._size >= _FLUSH_BYTES:
            self._flush()

    def _cell(self, value: Any, style_id: int, column: int) -> str:
        """The XML of one cell, from (or into) its column's cache or the per-type caches of plain cells."""
        if value is None:
            return "<c/>"
        cls = value.__class__
        cache = None
        if style_id == PLAIN:
            columns = self._column_caches
            cache = columns[column] if columns is not None and column < len(columns) else None
            if cache is None:
                cache = self._caches.get(cls)
        if cache is None:
            return self._encode(value, cls, style_id, column)
        xml = cache.get(value)
        if xml is None:
            xml = self._encode(value, cls, style_id, column)
            if cls is not str or len(value) <= _CACHE_TEXT:
                if len(cache) >= _CACHE_MAX:
                    # Rows arrive grouped (a rating's items together): starting afresh keeps
                    # the values of the current rows, and memory stays bounded.
                    cache.clear()
                    cache[None] = "<c/>"
                cache[value] = xml
        return xml

    def _flush(self) -> None:
        if self._chunk:
            self._out.write("".join(self._chunk).encode("utf-8", "surrogatepass"))
            self._chunk.clear()
            self._size = 0

    def close(self, autofilter_columns: int = 0) -> None:
        """End the sheet; an autofilter over the first ``autofilter_columns`` columns and all rows."""
        self._flush()
        tail = "</sheetData>"
        if autofilter_columns and self.rows:
            tail += f'<autoFilter ref="A1:{column_letter(autofilter_columns - 1)}{self.rows}"/>'
        tail += '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>'
        self._out.write(tail.encode())
        self._book._sheet_done()


_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_NS_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_ROOT_RELS = (
    f'{_XML}<Relationships xmlns="{_NS_PKG}">'
    f'<Relationship Id="rId1" Type="{_NS_REL}/officeDocument" Target="xl/workbook.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/'
    'core-properties" Target="docProps/core.xml"/>'
    f'<Relationship Id="rId3" Type="{_NS_REL}/extended-properties" Target="docProps/app.xml"/></Relationships>')
_APP = (f'{_XML}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
        '<Application>Session Rater</Application></Properties>')


def _content_types(n_sheets: int) -> str:
    sheets = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
                     'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' for i in range(1, n_sheets + 1))
    return (f'{_XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            '<Override PartName="/docProps/core.xml" ContentType="application/'
            'vnd.openxmlformats-package.core-properties+xml"/>'
            '<Override PartName="/docProps/app.xml" ContentType="application/'
            f'vnd.openxmlformats-officedocument.extended-properties+xml"/>{sheets}</Types>')


def _core(title: str, creator: str) -> str:
    now = datetime.now(UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z"
    title_xml = f"<dc:title>{escape(clean_text(title))}</dc:title>" if title else ""
    return (f'{_XML}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
            'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f"{title_xml}<dc:creator>{escape(creator)}</dc:creator>"
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{now}</dcterms:created>'
            f'<dcterms:modified xsi:type="dcterms:W3CDTF">{now}</dcterms:modified></cp:coreProperties>')


def _workbook_xml(titles: Sequence[str]) -> str:
    sheets = "".join(f'<sheet name="{escape(t, {chr(34): "&quot;"})}" sheetId="{i}" r:id="rId{i}"/>'
                     for i, t in enumerate(titles, 1))
    return (f'{_XML}<workbook xmlns="{_NS_MAIN}" xmlns:r="{_NS_REL}"><bookViews><workbookView/></bookViews>'
            f"<sheets>{sheets}</sheets></workbook>")


def _workbook_rels(n_sheets: int) -> str:
    rels = "".join(f'<Relationship Id="rId{i}" Type="{_NS_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                   for i in range(1, n_sheets + 1))
    styles = f'<Relationship Id="rId{n_sheets + 1}" Type="{_NS_REL}/styles" Target="styles.xml"/>'
    return f'{_XML}<Relationships xmlns="{_NS_PKG}">{rels}{styles}</Relationships>'


def _styles(formats: dict[str, int]) -> str:
    names = [*_BUILTIN_FORMATS, *formats]
    num_fmts = "".join(f'<numFmt numFmtId="{164 + i}" formatCode="{escape(f, {chr(34): "&quot;"})}"/>'
                       for i, f in enumerate(names))
    xfs = list(_BUILTIN_XFS) + [
        f'<xf numFmtId="{164 + len(_BUILTIN_FORMATS) + i}" fontId="0" fillId="0" borderId="0" xfId="0" '
        'applyNumberFormat="1"/>' for i in range(len(formats))]
    return (f'{_XML}<styleSheet xmlns="{_NS_MAIN}"><numFmts count="{len(names)}">{num_fmts}</numFmts>'
            '<fonts count="3"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
            '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
            '<font><b/><sz val="13"/><name val="Calibri"/><family val="2"/></font></fonts>'
            '<fills count="2"><fill><patternFill patternType="none"/></fill>'
            '<fill><patternFill patternType="gray125"/></fill></fills>'
            '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            f'<cellXfs count="{len(xfs)}">{"".join(xfs)}</cellXfs>'
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>')
