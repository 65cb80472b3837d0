import pytest

from corpus import check_corpus_case, ids
from corpus_public_libraries import CASES

# Python constructs of the next issue (calls with *args, map and partial), not libraries
NOT_YET = {
    "gmm_log_likelihood": "zip(*unpack_gmm_params(params)): a call with *args (AD206)",
}


def _marked(cases):
    out = []
    for case, name in zip(cases, ids(cases)):
        marks = [pytest.mark.xfail(strict=True, reason=NOT_YET[name])] if name in NOT_YET else []
        out.append(pytest.param(*case, marks=marks, id=name))
    return out


@pytest.mark.parametrize("fn,builders,wrt", _marked(CASES))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_public_code_calling_libraries(fn, builders, wrt, seed):
    check_corpus_case(fn, builders, wrt, seed)
