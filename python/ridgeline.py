"""ridgeline — the GPU performance simulator from Python (ctypes over libridgeline).

    import ridgeline
    r = ridgeline.gemm("h100-sxm", m=4096, n=8192, k=8192)   # a dict
    r["time_us"], r["tflops"], r["bound"]
    rows = ridgeline.run("medusa-llama33b-a100-pcie")       # a list of dicts
    import pandas; pandas.DataFrame(rows)
    v = ridgeline.validate("a100-80gb-sxm", "measured.csv")  # a dict
    v["summary"]["all"]["mape"], v["rows"][0]["error_pct"]
    fitted = ridgeline.calibrate("a100-80gb-sxm", "measured.csv",
                                 fields="clock.sustained_mhz")

Every field of results.csv / results.json is a key (docs/results.md), in the
same order. Specs and experiments are found by name ($RIDGELINE_DATA, then the
installed data directory) or by path. Errors raise ridgeline.Error with the
library's one-line message; .code is -2 for bad input, -1 for a simulation or
I/O failure.

The shared library is found through $RIDGELINE_LIB (a path), else in the
libdir the module was installed for, else the system's search
(ctypes.util.find_library), else "libridgeline.so.0".
No compiled extension: only the standard library's ctypes.
"""
import ctypes
import ctypes.util
import os

__all__ = ["Error", "gemm", "run", "validate", "calibrate", "version",
           "library"]

SUMMARY_SETS = ("all", "small", "memory", "compute", "b>=32mb")

ERR_LEN = 512


class Error(Exception):
    """A ridgeline failure: str() is the library's message, .code its code."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


class _Summary(ctypes.Structure):
    _fields_ = [("n", ctypes.c_size_t), ("mape", ctypes.c_double),
                ("median_ape", ctypes.c_double), ("max_ape", ctypes.c_double),
                ("mean_error", ctypes.c_double)]


def _load():
    # make install writes the configured libdir here; in the checkout the
    # placeholder names no file
    installed = os.path.join("@libdir@", "libridgeline.so.0")
    path = os.environ.get("RIDGELINE_LIB") \
        or (installed if os.path.exists(installed) else None) \
        or ctypes.util.find_library("ridgeline") or "libridgeline.so.0"
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
        "ridgeline_experiment_run": (I, [P, I, ctypes.POINTER(ctypes.POINTER(P)), C]),
        "ridgeline_experiment_free": (None, [P]),
        "ridgeline_results_free": (None, [ctypes.POINTER(P), S]),
        "ridgeline_hw_get": (I, [P, C, ctypes.POINTER(D), C]),
        "ridgeline_hw_name": (C, [P]),
        "ridgeline_validation_load": (I, [P, C, C, C, ctypes.POINTER(P), C]),
        "ridgeline_validation_run": (I, [P, I, C]),
        "ridgeline_validation_rows": (S, [P]),
        "ridgeline_validation_row": (I, [P, S, ctypes.POINTER(P), C]),
        "ridgeline_validation_summary": (I, [P, C, ctypes.POINTER(_Summary), C]),
        "ridgeline_calibrate": (I, [P, C, I, ctypes.POINTER(P), C]),
        "ridgeline_validation_free": (None, [P]),
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


def _result(r, free=True):
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
        if free:
            _lib.ridgeline_result_free(r)
    return out


def gemm(hw, m, n, k, dtype="bf16", l2="cold", set=None):
    """Simulate C[m x n] = A[m x k] . B[k x n] on hardware hw (a name or a
    path); set={"hbm.bandwidth_gbps": 4000, ...} changes fields first (a
    what-if, as --set: the kernel of hw as loaded stays a candidate, and
    the chooser's new pick replaces it only if it simulates faster).
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


def run(experiment, jobs=1):
    """Simulate every point of an experiment (a name or a path) on `jobs`
    threads, writing no files: a list of dicts, the rows of results.csv
    (swept fields included), in its order, the same for any jobs.
    pandas.DataFrame(ridgeline.run(...)) takes it directly."""
    err = ctypes.create_string_buffer(ERR_LEN)
    e = ctypes.c_void_p()
    _check(_lib.ridgeline_experiment_load(os.fsencode(experiment), ctypes.byref(e), err), err)
    rows = ctypes.POINTER(ctypes.c_void_p)()
    try:
        _check(_lib.ridgeline_experiment_run(e, int(jobs), ctypes.byref(rows), err), err)
        n = _lib.ridgeline_experiment_points(e)
        try:
            return [_result(ctypes.c_void_p(rows[i]), free=False) for i in range(n)]
        finally:
            _lib.ridgeline_results_free(rows, n)
    finally:
        _lib.ridgeline_experiment_free(e)


def _hw(hw, set, err):
    h = ctypes.c_void_p()
    _check(_lib.ridgeline_hw_load(os.fsencode(hw), ctypes.byref(h), err), err)
    try:
        for path, value in (set or {}).items():
            _check(_lib.ridgeline_hw_set(h, path.encode(), float(value), err), err)
    except Error:
        _lib.ridgeline_hw_free(h)
        raise
    return h


def _validation(h, measured, format, protocol, jobs, err):
    v = ctypes.c_void_p()
    _check(_lib.ridgeline_validation_load(
        h, os.fsencode(measured), format.encode() if format else None,
        protocol.encode() if protocol else None, ctypes.byref(v), err), err)
    try:
        _check(_lib.ridgeline_validation_run(v, int(jobs), err), err)
    except Error:
        _lib.ridgeline_validation_free(v)
        raise
    return v


def _validation_dict(v, err):
    summary = {}
    for name in SUMMARY_SETS:
        s = _Summary()
        _check(_lib.ridgeline_validation_summary(v, name.encode(), ctypes.byref(s), err), err)
        summary[name] = {f: getattr(s, f) for f, _ in _Summary._fields_}
    rows = []
    for i in range(_lib.ridgeline_validation_rows(v)):
        r = ctypes.c_void_p()
        _check(_lib.ridgeline_validation_row(v, i, ctypes.byref(r), err), err)
        rows.append(_result(r))
    return {"summary": summary, "rows": rows}


def validate(hw, measured, format=None, protocol=None, jobs=1, set=None):
    """Compare hardware hw (a name or a path, fields changed by set=) with
    the measured CSV `measured` (format "auto", "plain" or
    "cutlass-profiler"; protocol "graph-replay", "cold" or "warm", None: the
    file's): {"summary": {"all"|"small"|"memory"|"compute"|"b>=32mb":
    {"n", "mape", "median_ape", "max_ape", "mean_error"}}, "rows": the
    rows of validation.csv as dicts}, what `ridgeline validate` prints."""
    err = ctypes.create_string_buffer(ERR_LEN)
    h = _hw(hw, set, err)
    try:
        v = _validation(h, measured, format, protocol, jobs, err)
        try:
            return _validation_dict(v, err)
        finally:
            _lib.ridgeline_validation_free(v)
    finally:
        _lib.ridgeline_hw_free(h)


def calibrate(hw, measured, fields=None, format=None, protocol=None, jobs=1,
              set=None):
    """Fit the comma-separated dotted `fields` (None: the default set) of
    hw to the measured CSV (arguments as validate()): {"name": the fitted
    spec's name, "fields": {path: fitted value}, "validation": validate()'s
    dict on the fitted spec}."""
    err = ctypes.create_string_buffer(ERR_LEN)
    h = _hw(hw, set, err)
    f = ctypes.c_void_p()
    v = v2 = None
    try:
        v = _validation(h, measured, format, protocol, jobs, err)
        _check(_lib.ridgeline_calibrate(v, fields.encode() if fields else None,
                                        int(jobs), ctypes.byref(f), err), err)
        out = {"name": _lib.ridgeline_hw_name(f).decode(), "fields": {}}
        for path in (fields.split(",") if fields else ()):
            d = ctypes.c_double()
            _check(_lib.ridgeline_hw_get(f, path.encode(), ctypes.byref(d), err), err)
            out["fields"][path] = d.value
        v2 = _validation(f, measured, format, protocol, jobs, err)
        out["validation"] = _validation_dict(v2, err)
        return out
    finally:
        _lib.ridgeline_validation_free(v2)
        _lib.ridgeline_validation_free(v)
        _lib.ridgeline_hw_free(f)
        _lib.ridgeline_hw_free(h)
