import numpy as np, functools
from transpiler import grad
class Sq:
    def __getitem__(self, k): return k ** 2
    def __call__(self, k): return k ** 2
SQ = Sq()
PART = functools.partial(np.multiply, 2.0)
VEC = np.vectorize(lambda t: t * t)
TABLE = {0: 1.0, 1: 2.0}
LST = [1.0, 2.0, 3.0]
C = np.array([1.0, 2.0, 3.0])
x = np.array([0.5, 1.5, 2.5])
cases = {
 "r_": lambda x: np.sum(np.r_[x, x]),
 "r_slice": lambda x: np.sum(np.r_[x, 0:3]),
 "c_": lambda x: np.sum(np.c_[x, x] ** 2),
 "s_": lambda x: np.sum(np.s_[x]),
 "index_exp": lambda x: np.sum(np.index_exp[x][0]),
 "ix_": lambda x: np.sum(np.ix_(x, x)[0]),
 "mgrid": lambda x: np.sum(np.mgrid[0:x[0]:3j]),
 "ogrid": lambda x: np.sum(np.ogrid[0:x[0]:3j]),
 "obj getitem": lambda x: np.sum(SQ[x]),
 "obj call": lambda x: np.sum(SQ(x)),
 "partial": lambda x: np.sum(PART(x)),
 "vectorize": lambda x: np.sum(VEC(x)),
 "dict idx": lambda x: TABLE[int(x[0])] * np.sum(x),
 "list idx": lambda x: LST[int(x[0])] * np.sum(x),
 "arr idx": lambda x: np.sum(C[x > 1.0] * x[0]),
 "arg obj": lambda x, t: np.sum(t[x]),
}
for k, f in cases.items():
    try:
        args = (x, SQ) if k == "arg obj" else (x,)
        print(k, "->", grad(f)(*args))
    except Exception as e:
        print(k, "EXC", type(e).__name__, str(e).splitlines()[0][:200])
