"""The one data-dir lock, as ingest and the BM25 index use it."""

import pytest

from rag.errors import UserError
from rag.ingest.lock import LOCK_NAME, DataDirLock


def test_a_second_writer_is_refused_in_one_line(tmp_path):
    with DataDirLock(tmp_path).hold(timeout=0):
        assert (tmp_path / LOCK_NAME).is_file()
        with pytest.raises(UserError, match="another ingest is writing"):
            with DataDirLock(tmp_path).hold(timeout=0.2):
                pass
        with DataDirLock(tmp_path).try_hold() as got:
            assert got is False
    with DataDirLock(tmp_path).try_hold() as got:
        assert got is True
