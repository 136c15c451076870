# Checks one HumanEval+ solution on one test set ("base" or "plus") the way EvalPlus v0.1.10+
# does (evalplus/evaluate.py, evalplus/eval/__init__.py): expected outputs come from running the
# canonical solution on deep copies of the inputs (timing each call); the candidate then runs
# under EvalPlus' reliability guard with standard I/O swallowed, each input limited to
# max(4 s, 4 x the canonical time), the whole set to min(60 s, sum of limits) + 1 s, stopping at
# the first failure. Outputs compare with ==, then for `atol` tasks and float outputs with
# numpy.allclose semantics (rtol 1e-7); `find_zero` is checked by |poly(x)| <= atol.
#
# Runs inside lfmbench's sandbox (evals/code/sandbox.h). Standard input: one header line of JSON
# {"nonce", "set", "solution", "min_time_limit", "time_limit_factor", "task_time_cap"}, then the
# dataset record's JSON text exactly as published (Python's json keeps its big integers).
# Standard output: a line "<nonce> <JSON result>" with {"status": "pass"|"fail"|"timeout",
# "tests": N, "passed": n, "ground_truth_seconds": s}.
import contextlib
import copy
import io
import json
import math
import os
import signal
import sys
import time

header = json.loads(sys.stdin.readline())
record = json.loads(sys.stdin.read())
inputs = record[header["set"] + "_input"]
entry_point = record["entry_point"]
atol = record["atol"]
write_result = os.write
real_stdout = sys.stdout.fileno()


def emit(status, passed, gt_seconds):
    result = {"status": status, "tests": len(inputs), "passed": passed, "ground_truth_seconds": gt_seconds}
    write_result(real_stdout, ("\n%s %s\n" % (header["nonce"], json.dumps(result))).encode())


# ---- expected outputs: the canonical solution (trusted) ------------------------------------
truth_globals = {}
exec(record["prompt"] + record["canonical_solution"], truth_globals)
truth = truth_globals[entry_point]
expected, ref_times = [], []
for inp in inputs:
    args = copy.deepcopy(inp)
    started = time.time()
    expected.append(truth(*args))
    ref_times.append(time.time() - started)
gt_seconds = sum(ref_times)
limits = [max(header["min_time_limit"], header["time_limit_factor"] * t) for t in ref_times]
budget = min(header["task_time_cap"], sum(limits)) + 1


# ---- comparison ------------------------------------------------------------------------------
def is_floats(x):
    if isinstance(x, float):
        return True
    if isinstance(x, (list, tuple)) and x:
        return all(isinstance(i, float) for i in x)
    return False


def close_scalar(a, b, tol):
    # numpy.isclose(a, b, rtol=1e-7, atol=tol) for numbers (bools count as numbers).
    if not isinstance(a, (int, float)) or not isinstance(b, (int, float)):
        raise TypeError("not a number")
    a, b = float(a), float(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    if math.isnan(a) or math.isnan(b):
        return False
    return abs(a - b) <= tol + 1e-7 * abs(b)


def allclose(out, exp, tol):
    # numpy.allclose over equal-shaped nested sequences or scalars.
    if isinstance(exp, (list, tuple)) or isinstance(out, (list, tuple)):
        if not isinstance(out, (list, tuple)) or not isinstance(exp, (list, tuple)):
            return all(allclose(o, exp, tol) for o in out) if isinstance(out, (list, tuple)) else all(
                allclose(out, e, tol) for e in exp)
        if len(out) != len(exp):
            raise ValueError("shapes differ")
        return all(allclose(o, e, tol) for o, e in zip(out, exp))
    return close_scalar(out, exp, tol)


def poly(xs, x):
    return sum([coeff * math.pow(x, i) for i, coeff in enumerate(xs)])


class TimeLimit(Exception):
    pass


def on_alarm(signum, frame):
    raise TimeLimit()


class WriteOnly(io.StringIO):
    def read(self, *a, **k):
        raise IOError

    def readline(self, *a, **k):
        raise IOError

    def readlines(self, *a, **k):
        raise IOError

    def readable(self, *a, **k):
        return False


@contextlib.contextmanager
def swallowed_io():
    sink = WriteOnly()
    saved = sys.stdout, sys.stderr, sys.stdin
    sys.stdout = sys.stderr = sys.stdin = sink
    try:
        yield
    finally:
        sys.stdout, sys.stderr, sys.stdin = saved


def reliability_guard():
    # What EvalPlus disables before running a candidate (evalplus/eval/utils.py).
    import builtins
    import shutil
    import subprocess
    import faulthandler

    faulthandler.disable()
    builtins.exit = None
    builtins.quit = None
    os.environ["OMP_NUM_THREADS"] = "1"
    for name in ["kill", "system", "putenv", "remove", "removedirs", "rmdir", "fchdir", "setuid",
                 "fork", "forkpty", "killpg", "rename", "renames", "truncate", "replace", "unlink",
                 "fchmod", "fchown", "chmod", "chown", "chroot", "lchflags", "lchmod", "lchown",
                 "getcwd", "chdir"]:
        setattr(os, name, None)
    builtins.open = None
    shutil.rmtree = None
    shutil.move = None
    shutil.chown = None
    subprocess.Popen = None
    builtins.help = None
    for name in ["ipdb", "joblib", "resource", "psutil", "tkinter"]:
        sys.modules[name] = None


# ---- the candidate (untrusted) ---------------------------------------------------------------
# A watchdog process kills this one when the whole set runs past its budget, as EvalPlus'
# parent process does; the sandbox's wall-clock limit stays as the last resort.
watchdog = os.fork()
if watchdog == 0:
    time.sleep(budget + 1)
    os.kill(os.getppid(), signal.SIGKILL)
    os._exit(0)
kill_watchdog = os.kill
deadline = time.time() + budget
signal.signal(signal.SIGALRM, on_alarm)
set_timer = signal.setitimer
passed = 0
status = "pass"
reliability_guard()
try:
    candidate_globals = {}
    with swallowed_io():
        exec(header["solution"], candidate_globals)
        fn = candidate_globals[entry_point]
    for i, inp in enumerate(inputs):
        left = deadline - time.time()
        if left <= 0:
            status = "timeout"
            break
        try:
            set_timer(signal.ITIMER_REAL, min(limits[i], left))
            with swallowed_io():
                out = fn(*inp)
        finally:
            set_timer(signal.ITIMER_REAL, 0)
        exp = expected[i]
        if entry_point == "find_zero":
            assert abs(poly(*inp, out)) <= atol
            passed += 1
            continue
        exact = out == exp
        if atol == 0 and is_floats(exp):
            atol = 1e-6  # EvalPlus enforces this, and it stays for the following inputs
        if not exact and atol != 0:
            assert type(out) == type(exp)
            if isinstance(exp, (list, tuple)):
                assert len(out) == len(exp)
            assert allclose(out, exp, atol)
        else:
            assert exact
        passed += 1
except BaseException:
    status = "fail" if status == "pass" else status
kill_watchdog(watchdog, signal.SIGKILL)
emit(status, passed, gt_seconds)
