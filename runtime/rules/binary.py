"""Rules for elementwise functions of two arguments and the arithmetic operators."""

import operator

import numpy as np

import runtime as _rt
from runtime.registry import vjp


@vjp(np.add, operator.add, elementwise=True)
def add(g, ans, x, y):
    return _rt.unbroadcast(g, x), _rt.unbroadcast(g, y)


@vjp(np.multiply, operator.mul, elementwise=True)
def multiply(g, ans, x, y):
    return _rt.unbroadcast(g * y, x), _rt.unbroadcast(g * x, y)
