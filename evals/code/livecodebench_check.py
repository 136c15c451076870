# Grades one LiveCodeBench code-generation candidate the way the official runner does
# (lcb_runner/evaluation/testing_util.py, run_test): the reliability guard first; then either
# call-based tests (a fixed import preamble + the code; the method `fn_name` of `Solution()` when
# the code mentions "class Solution", else of the module; one JSON argument per input line; a
# returned tuple becomes a list; compared with ==) or standard-input tests (an `if __name__ ==
# '__main__':` block at the end is unwrapped, the statements other than imports are wrapped in a
# function, which is called with sys.stdin and open() replaced by the test input and sys.stdout
# captured; outputs compare line by line after stripping, a differing line still passing when
# both parse as the same list of Decimals). Each test and the compilation get `timeout` seconds
# (signal.alarm); grading stops at the first failing test.
#
# Runs inside lfmbench's sandbox (evals/code/sandbox.h). Standard input: one JSON object
# {"nonce", "code", "inputs": [...], "outputs": [...], "fn_name": str|null, "timeout": s}.
# Standard output: a line "<nonce> <JSON>" with {"results": [...]} using the runner's codes
# (true, -2 wrong answer, -3 time limit, -4 runtime error) and "error" for a failed setup.
import ast
import faulthandler
import json
import os
import signal
import sys
import time
from decimal import Decimal
from io import StringIO
from types import ModuleType
from unittest.mock import mock_open, patch

sys.set_int_max_str_digits(50000)  # set by the runner's compute_code_generation_metrics module
job = json.loads(sys.stdin.read())
write_result = os.write
real_stdout = sys.stdout.fileno()

PREAMBLE = "".join("from %s import *\n" % m for m in [
    "string", "re", "datetime", "collections", "heapq", "bisect", "copy", "math", "random",
    "statistics", "itertools", "functools", "operator", "io", "sys", "json", "builtins", "typing"])
PREAMBLE += "".join("import %s\n" % m for m in [
    "string", "re", "datetime", "collections", "heapq", "bisect", "copy", "math", "random",
    "statistics", "itertools", "functools", "operator", "io", "sys", "json"])
PREAMBLE += "sys.setrecursionlimit(50000)\n"


def emit(**result):
    write_result(real_stdout, ("\n%s %s\n" % (job["nonce"], json.dumps(result))).encode())


class TimeLimit(Exception):
    pass


def on_alarm(signum, frame):
    print("timeout occured: alarm went off")
    raise TimeLimit


def reliability_guard():
    # What lcb_runner disables before grading (its reliability_guard, no memory cap).
    import builtins
    import shutil
    import subprocess

    faulthandler.disable()
    builtins.quit = None
    os.environ["OMP_NUM_THREADS"] = "1"
    for name in ["kill", "system", "putenv", "remove", "removedirs", "rmdir", "fchdir", "setuid",
                 "fork", "forkpty", "killpg", "rename", "renames", "truncate", "replace", "unlink",
                 "fchmod", "fchown", "chmod", "chown", "chroot", "fchdir", "lchflags", "lchmod",
                 "lchown", "getcwd", "chdir"]:
        setattr(os, name, None)
    shutil.rmtree = None
    shutil.move = None
    shutil.chown = None
    subprocess.Popen = None
    builtins.help = None
    for name in ["ipdb", "joblib", "resource", "psutil", "tkinter"]:
        sys.modules[name] = None


def unwrap_main(code):
    # The last top-level statement `if __name__ == '__main__':` becomes its body.
    try:
        tree = ast.parse(code)
        last = tree.body[-1]
        if isinstance(last, ast.If) and ast.unparse(last.test).strip() == "__name__ == '__main__'":
            code = ast.unparse(tree.body[:-1]) + "\n" + ast.unparse(last.body)
    except Exception:
        pass
    return code


def wrap_in_function(code):
    try:
        tree = ast.parse(code)
        imports = [s for s in tree.body if isinstance(s, (ast.Import, ast.ImportFrom))]
        rest = [s for s in tree.body if not isinstance(s, (ast.Import, ast.ImportFrom))]
        fn = ast.FunctionDef(name="wrapped_function",
                             args=ast.arguments(posonlyargs=[], args=[], kwonlyargs=[], kw_defaults=[], defaults=[]),
                             body=rest, decorator_list=[], lineno=-1)
        return PREAMBLE + "\n" + ast.unparse(imports) + "\n" + ast.unparse(fn)
    except Exception:
        return code


def compile_module(code, timeout):
    signal.alarm(timeout)
    try:
        module = ModuleType("tmp_sol", "")
        exec(code, module.__dict__)
        compiled = module.Solution() if "class Solution" in code else module
        assert compiled is not None
    finally:
        signal.alarm(0)
    return compiled


def failure_code(error):
    return -3 if "timeoutexception" in repr(error).lower() or isinstance(error, TimeLimit) else -4


class StdinBuffer:
    def __init__(self, text):
        self.data = text.encode("utf-8")

    def read(self, *args):
        return self.data

    def readline(self, *args):
        return self.data.split(b"\n")[0] + b"\n"


class Stdin:
    # The runner's stdin stand-in: read() and readlines() give the whole input, readline() the
    # next line without its newline, buffer.readline() always the first line; everything else
    # comes from a StringIO over the input.
    def __init__(self, text):
        self.inputs = text
        self._io = StringIO(text)
        self.buffer = StdinBuffer(text)

    def read(self, *args):
        return self.inputs

    def readline(self, *args):
        return self._io.readline(*args)

    def readlines(self, *args):
        return self.inputs.split("\n")

    def __getattr__(self, name):
        return getattr(self._io, name)


def call_with_input(method, text):
    lines = iter(text.split("\n"))
    stdin = Stdin(text)

    @patch("builtins.open", mock_open(read_data=text))
    @patch("sys.stdin", stdin)
    @patch("sys.stdin.readline", lambda *args: next(lines))
    @patch("sys.stdin.readlines", lambda *args: text.split("\n"))
    @patch("sys.stdin.read", lambda *args: text)
    def run(m):
        try:
            return m()
        except SystemExit:
            pass

    return run(method)


def stripped_lines(text):
    return [line.strip() for line in text.strip().split("\n")]


def as_decimals(line):
    try:
        return [Decimal(x) for x in line.split()]
    except Exception:
        return None


def lines_match(got, want):
    g, w = stripped_lines(got), stripped_lines(want)
    if len(g) != len(w):
        return False
    for a, b in zip(g, w):
        if a == b:
            continue
        da, db = as_decimals(a), as_decimals(b)
        if da is None or db is None or da != db:
            return False
    return True


def grade_call_based(code, inputs, outputs, fn_name, timeout):
    compiled = compile_module(PREAMBLE + "\n\n" + code, timeout)
    method = getattr(compiled, fn_name, None)
    if method is None:
        return None
    args_list = [[json.loads(line) for line in text.split("\n")] for text in inputs]
    expected = [json.loads(text) for text in outputs]
    results = []
    for args, want in zip(args_list, expected):
        signal.alarm(timeout)
        faulthandler.enable()
        try:
            got = method(*args)
            signal.alarm(0)
            if isinstance(got, tuple):
                got = list(got)
            ok = got == want
            results.append(ok)
            if not ok:
                return results
        except Exception as e:
            signal.alarm(0)
            results.append(failure_code(e))
            return results
        finally:
            signal.alarm(0)
            faulthandler.disable()
    return results


class Capture(list):
    def __enter__(self):
        self._saved = sys.stdout
        sys.stdout = self._io = StringIO()
        self._io.close = lambda *a: 1
        return self

    def __exit__(self, *args):
        self.append(self._io.getvalue())
        sys.stdout = self._saved


def grade_stdio(code, inputs, outputs, timeout):
    compiled = compile_module(wrap_in_function(unwrap_main(code)), timeout)
    method = getattr(compiled, "wrapped_function", None)
    if method is None:
        return None
    results = []
    for text, want in zip(inputs, outputs):
        signal.alarm(timeout)
        faulthandler.enable()
        with Capture() as captured:
            try:
                call_with_input(method, text)
                signal.alarm(0)
            except Exception as e:
                signal.alarm(0)
                results.append(failure_code(e))
                return results
            finally:
                signal.alarm(0)
                faulthandler.disable()
        if not lines_match(captured[0], want):
            results.append(-2)
            return results
        results.append(True)
    return results


signal.signal(signal.SIGALRM, on_alarm)
reliability_guard()
try:
    if job["fn_name"] is None:
        graded = grade_stdio(job["code"], job["inputs"], job["outputs"], job["timeout"])
    else:
        graded = grade_call_based(job["code"], job["inputs"], job["outputs"], job["fn_name"], job["timeout"])
except Exception as e:
    graded = [-4]
if graded is None:
    emit(error="the tested function is missing")
else:
    emit(results=graded)
