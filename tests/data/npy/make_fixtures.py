#!/usr/bin/python3
"""Writes the .npy fixtures of tests/unit/npy_test.cc with NumPy (needed only to remake them).

Run from anywhere: python3 tests/data/npy/make_fixtures.py
"""
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def save(name, array, version=None):
    with open(os.path.join(HERE, name), "wb") as f:
        np.lib.format.write_array(f, array, version=version, allow_pickle=False)


save("f8_2x3.npy", np.arange(6, dtype="<f8").reshape(2, 3) / 4)
save("b1.npy", np.array([True, False, True]))
save("i1.npy", np.array([-128, 0, 127], dtype="i1"))
save("i2.npy", np.array([-32768, 1, 32767], dtype="<i2"))
save("i4.npy", np.array([-2**31, 2, 2**31 - 1], dtype="<i4"))
save("i8.npy", np.array([-2**63, 3, 2**63 - 1], dtype="<i8"))
save("u1.npy", np.array([0, 1, 255], dtype="u1"))
save("u2.npy", np.array([0, 2, 65535], dtype="<u2"))
save("u4.npy", np.array([0, 3, 2**32 - 1], dtype="<u4"))
save("u8.npy", np.array([0, 4, 2**64 - 1], dtype="<u8"))
save("f4.npy", np.array([0.1, -2.5, np.inf], dtype="<f4"))
save("f8_nan.npy", np.array([np.nan, -np.inf, 1e300], dtype="<f8"))
save("i4_big_endian.npy", np.array([1, -2, 70000], dtype=">i4"))
save("f8_big_endian.npy", np.array([[0.5, -1.25], [3.0, 1e-300]], dtype=">f8"))
save("i4_fortran_2x3x4.npy", np.asfortranarray(np.arange(24, dtype="<i4").reshape(2, 3, 4)))
save("f8_0d.npy", np.array(3.5))
save("f8_empty_0x3.npy", np.zeros((0, 3)))
save("i2_v2.npy", np.array([[1, 2], [3, 4]], dtype="<i2"), version=(2, 0))
save("u1_v3.npy", np.array([7, 8, 9], dtype="u1"), version=(3, 0))
save("f2_unsupported.npy", np.array([1.0], dtype="<f2"))
save("structured_unsupported.npy", np.zeros(2, dtype=[("x", "<i4"), ("y", "<f8")]))
