"""ridgeline — the GPU performance simulator from Python (ctypes over libridgeline).

    import ridgeline
    r = ridgeline.gemm("h100-sxm", m=4096, n=8192, k=8192)   # a dict
    r["time_us"], r["tflops"], r["bound"]
    rows = ridgeline.run("medusa-llama33b-a100-pcie")       # a list of dicts
    import pandas; pandas.DataFrame(rows)

Every field of results.csv / results.json is a key (docs/results.md), in the
same order. Specs and experiments are found by name ($RIDGELINE_DATA, then the
installed data directory) or by path. Errors raise ridgeline.Error with the
library's one-line message; .code is -2 for bad input, -1 for a simulation or
I/O failure.

The shared library is found through $RIDGELINE_LIB (a path), else the
system's search (ctypes.util.find_library), else "libridgeline.so.0".
No compiled extension: only the standard library's ctypes.
"""
import ctypes
import ctypes.util
import os

__all__ = ["Error", "gemm", "run", "version", "library"]

ERR_LEN = 512


class Error(Exception):
    """A ridgeline failure: str() is the library's message, .code its code."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


def _load():
    path = os.environ.get("RIDGELINE_LIB") or ctypes.util.find_library("ridgeline") \
        or "libridgeline.so.0"
    lib = ctypes.CDLL(path)
    P, C, S, D, I = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_double, ctypes.c_int
    U64 = ctypes.c_uint64
    sig = {
        "ridgeline_version": (C, []),
        "ridgeline_hw_load": (I, [C, ctypes.POINTER(P), C]),
        "ridgeline_hw_set": (I, [P, C, D, C]),
        "ridgeline_hw_free": (None, [P]),
        "ridgeline_gemm": (I, [P, U64, U64, U64, C, I, ctypes.POINTER(P), C]),
        "ridgeline_experiment_load": (I, [C, ctypes.POINTER(P), C]),
        "ridgeline_experiment_points": (S, [P]),
        "ridgeline_experiment_simulate": (I, [P, S, ctypes.POINTER(P), C]),
        "ridgeline_experiment_free": (None, [P]),
        "ridgeline_result_fields": (S, [P]),
        "ridgeline_result_name": (C, [P, S]),
        "ridgeline_result_is_number": (I, [P, S]),
        "ridgeline_result_number": (D, [P, S]),
        "ridgeline_result_string": (C, [P, S]),
        "ridgeline_result_free": (None, [P]),
    }
    for name, (res, args) in sig.items():
        f = getattr(lib, name)
        f.restype, f.argtypes = res, args
    return lib, path


_lib, library = _load()


def version():
    """The library's version string."""
    return _lib.ridgeline_version().decode()


def _check(rc, err):
    if rc != 0:
        raise Error(rc, err.value.decode(errors="replace"))


def _result(r):
    out = {}
    try:
        for i in range(_lib.ridgeline_result_fields(r)):
            name = _lib.ridgeline_result_name(r, i).decode()
            if _lib.ridgeline_result_is_number(r, i):
                v = _lib.ridgeline_result_number(r, i)
                out[name] = int(v) if v.is_integer() and abs(v) < 2**53 else v
            else:
                out[name] = _lib.ridgeline_result_string(r, i).decode()
    finally:
        _lib.ridgeline_result_free(r)
    return out


def gemm(hw, m, n, k, dtype="bf16", l2="cold", set=None):
    """Simulate C[m x n] = A[m x k] . B[k x n] on hardware hw (a name or a
    path); set={"hbm.bandwidth_gbps": 4000, ...} changes fields first.
    Returns a dict of every result field (what `ridgeline gemm` prints)."""
    if l2 not in ("cold", "warm"):
        raise Error(-2, f"l2: expected cold or warm, found {l2!r}")
    err = ctypes.create_string_buffer(ERR_LEN)
    h = ctypes.c_void_p()
    _check(_lib.ridgeline_hw_load(os.fsencode(hw), ctypes.byref(h), err), err)
    try:
        for path, value in (set or {}).items():
            _check(_lib.ridgeline_hw_set(h, path.encode(), float(value), err), err)
        r = ctypes.c_void_p()
        _check(_lib.ridgeline_gemm(h, m, n, k, dtype.encode(), l2 == "warm",
                                   ctypes.byref(r), err), err)
        return _result(r)
    finally:
        _lib.ridgeline_hw_free(h)


def run(experiment):
    """Simulate every point of an experiment (a name or a path): a list of
    dicts, the rows of results.csv (swept fields included), in its order.
    pandas.DataFrame(ridgeline.run(...)) takes it directly."""
    err = ctypes.create_string_buffer(ERR_LEN)
    e = ctypes.c_void_p()
    _check(_lib.ridgeline_experiment_load(os.fsencode(experiment), ctypes.byref(e), err), err)
    try:
        rows = []
        for i in range(_lib.ridgeline_experiment_points(e)):
            r = ctypes.c_void_p()
            _check(_lib.ridgeline_experiment_simulate(e, i, ctypes.byref(r), err), err)
            rows.append(_result(r))
        return rows
    finally:
        _lib.ridgeline_experiment_free(e)
