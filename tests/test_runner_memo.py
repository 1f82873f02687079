"""RunMemo: work several families need is done once per run; others wait for it."""

from __future__ import annotations

import threading
import time

import pytest

from preflight.engine import RunMemo, concurrent_map


def test_the_first_caller_computes_and_the_others_wait() -> None:
    memo, calls = RunMemo(), []

    def slow() -> str:
        calls.append(threading.get_ident())
        time.sleep(0.05)
        return "inventory"

    assert concurrent_map(lambda _: memo.once("new", slow), range(6), workers=6) == ["inventory"] * 6
    assert len(calls) == 1
    assert memo.once("old", lambda: "other") == "other"


def test_an_exception_is_not_remembered() -> None:
    memo = RunMemo()

    def broken() -> str:
        raise OSError("gone")

    with pytest.raises(OSError):
        memo.once("key", broken)
    assert memo.once("key", lambda: "second try") == "second try"
