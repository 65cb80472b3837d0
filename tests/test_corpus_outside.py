"""Issue 15, item 10: functions from public code (``tests/corpus_outside.py``) against central
finite differences. A "pass" entry must agree; a "coded" entry is a strict xfail that must be
refused with its diagnostic code (any other failure, a wrong number included, fails the test).
An entry that starts to pass makes its strict xfail fail: flip its status to "pass"."""

import pytest

from adgen import TranspileError
from adgen.runtime import GradientError

from corpus_outside import ENTRIES, ITEMS, check, codes, forward_outcome


def _ids():
    seen = {}
    for e in ENTRIES:
        seen[e.name] = seen.get(e.name, 0) + 1
        yield e.name if seen[e.name] == 1 else f"{e.name}_{seen[e.name]}"


def _marked():
    out = []
    for e, name in zip(ENTRIES, _ids()):
        marks = []
        if e.status == "coded":
            marks = [pytest.mark.xfail(strict=True, raises=(TranspileError, GradientError), reason=f"{e.code}: issue 15 item {e.item} ({ITEMS[e.item]})")]
        out.append(pytest.param(e, marks=marks, id=name))
    return out


@pytest.mark.parametrize("e", _marked())
@pytest.mark.parametrize("seed", [0, 1])
def test_outside_code(e, seed):
    try:
        check(e, seed)
    except (TranspileError, GradientError) as err:
        if e.status == "coded" and e.code not in codes(err):
            raise AssertionError(f"expected {e.code}, got {codes(err)}: {err}") from err
        raise


def test_the_corpus_is_large_and_its_statuses_known():
    assert len(ENTRIES) >= 40
    assert len({e.source.split()[0] for e in ENTRIES}) >= 5
    for e in ENTRIES:
        assert e.status in ("pass", "coded"), e.name
        assert (e.status == "coded") == (e.code is not None) and (e.status == "pass") == (e.item is None), e.name


@pytest.mark.parametrize("e", ENTRIES, ids=lambda e: e.name)
def test_forward_mode_on_outside_code_is_right_or_refused(e):
    """Forward mode on the same functions: right (against finite differences and reverse
    mode) wherever reverse mode is, else refused with a code; never a wrong number."""
    now, detail = forward_outcome(e)
    assert now != "wrong", detail
    assert now == ("pass" if e.status == "pass" else "coded"), detail
