"""Upload checks: type and size limits, names that cannot escape data_dir/uploads, nothing overwritten."""

import pytest

from rag import UserError
from ui.collection import UploadIngester, safe_basename


class _NoIngest:
    """Stands in for the Assistant only where ingest must never be reached (a rejected upload)."""

    def __init__(self, data_dir):
        self.data_dir = data_dir

    def ingest(self, *args, **kwargs):
        raise AssertionError("a rejected upload must not be ingested")


@pytest.mark.parametrize("name", ["../../etc/passwd.txt", "..\\..\\x.jsonl", ".hidden.csv", "a/b/c.bib", "/abs/path.tsv"])
def test_names_cannot_escape(name):
    base = safe_basename(name)
    assert "/" not in base and "\\" not in base and not base.startswith(".")


def test_type_and_size_limits_are_one_line_errors(tmp_path):
    ingester = UploadIngester(_NoIngest(tmp_path), max_upload_mb=1)
    exe = tmp_path / "tool.exe"
    exe.write_bytes(b"x")
    with pytest.raises(UserError, match="unsupported type; upload one of"):
        ingester.ingest([str(exe)])
    big = tmp_path / "big.jsonl"
    big.write_bytes(b"x" * (1024 * 1024 + 1))
    with pytest.raises(UserError, match="over the 1 MB upload limit"):
        ingester.ingest([str(big)])
    assert not (tmp_path / "uploads").exists()


def test_uploads_never_overwrite(tmp_path, sample_data_dir):
    from rag import Assistant

    import shutil

    data = tmp_path / "data"
    shutil.copytree(sample_data_dir, data)
    ingester = UploadIngester(Assistant(data_dir=data), max_upload_mb=5)
    src = tmp_path / "one.jsonl"
    src.write_text('{"title": "A Fresh Paper About Upload Tests", "abstract": "' + "words " * 30 + '"}\n')
    first = ingester.ingest([str(src)])
    second = ingester.ingest([str(src)])
    assert first.report.added == 1 and second.report.unchanged == 1
    assert sorted(p.name for p in (data / "uploads").iterdir()) == ["one-1.jsonl", "one.jsonl"]
