"""The SDMX-CSV envelope over several dataflows reads each part's own output back: records split across
chunks anywhere (inside a quoted line break, inside a multi-byte character) come out whole."""

from __future__ import annotations

from sdmx_server.formats.sdmx_csv_several import _records, _skip

TEXT = 'H1,H2\nA,"two\nlines, and ""quotes"""\nÉté,☃\n'
RECORDS = [["H1", "H2"], ["A", 'two\nlines, and "quotes"'], ["Été", "☃"]]


def test_records_whatever_the_chunk_boundaries() -> None:
    data = TEXT.encode()
    for size in range(1, len(data) + 1):
        chunks = [data[i : i + size] for i in range(0, len(data), size)]
        assert list(_records(iter(chunks))) == RECORDS, size


def test_skip_drops_the_header_across_chunks() -> None:
    data = TEXT.encode()
    header = len(b"H1,H2\n")
    for size in range(1, len(data) + 1):
        chunks = [data[i : i + size] for i in range(0, len(data), size)]
        assert b"".join(_skip(iter(chunks), header)) == data[header:], size
