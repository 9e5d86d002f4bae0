"""Exposure rules of `rag serve`: loopback by default, a password or --insecure off loopback."""

import subprocess
import sys

import pytest

from support import ROOT
from rag import UserError
from ui.serve import check_exposure, is_loopback, parse_auth


def test_loopback_detection():
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5")


def test_network_bind_needs_auth_or_insecure():
    with pytest.raises(UserError, match="--auth USER:PASS"):
        check_exposure("0.0.0.0", None, False)
    check_exposure("0.0.0.0", ("u", "p"), False)
    check_exposure("0.0.0.0", None, True)
    with pytest.raises(UserError, match="USER:PASSWORD"):
        parse_auth("nopassword")


def test_cli_refuses_with_one_line(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "rag.cli", "serve", "--data-dir", str(tmp_path), "--host", "0.0.0.0", "--port", "1"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "refusing to serve on 0.0.0.0" in result.stderr
