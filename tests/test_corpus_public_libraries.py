import pytest

from corpus import check_corpus_case, ids
from corpus_public_libraries import CASES


@pytest.mark.parametrize("fn,builders,wrt", CASES, ids=ids(CASES))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_public_code_calling_libraries(fn, builders, wrt, seed):
    check_corpus_case(fn, builders, wrt, seed)
