"""The runnable examples in rag's docstrings hold: an example that drifts from the code fails here.

Examples that need a store or a model are marked ``# doctest: +SKIP`` where they stand; the rest run.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import rag

MODULES = sorted(m.name for m in pkgutil.walk_packages(rag.__path__, "rag."))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_hold(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, verbose=False, report=True)
    assert result.failed == 0, f"{result.failed} of {result.attempted} docstring examples in {name} fail (run: python -m doctest -v {module.__file__})"


def test_the_examples_are_found():
    # A collection bug (no modules, no examples) would pass the test above vacuously. Counted, not run again.
    finder = doctest.DocTestFinder()
    examples = sum(len(test.examples) for name in MODULES for test in finder.find(importlib.import_module(name)))
    assert len(MODULES) > 50 and examples > 50, (len(MODULES), examples)
