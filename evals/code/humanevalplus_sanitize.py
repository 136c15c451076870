# Extracts the program from a chat model's HumanEval+ reply the way EvalPlus' sanitizer does
# (evalplus/sanitize.py, which walks a tree-sitter parse; the same rules are written here over
# Python's own ast and tokenize modules):
#   1. The code is the run of lines i..j (at least two lines) that parses as Python and has the
#      most non-blank lines, the first such run winning ties; when no run parses, the first line.
#   2. Of its top-level statements it keeps, in order: every `import` / `from ... import` (not
#      `from __future__`, which tree-sitter gives another node type), then the definitions
#      reachable from the entry point: classes, functions that contain a `return` somewhere, and
#      assignments whose first target is a plain name (x = ..., x: T = ...); the first definition
#      of a name wins. Decorated functions and classes are dropped (tree-sitter wraps them in a
#      node EvalPlus does not look at), as are functions without a return (generators).
#   3. A definition depends on every identifier written in it (names, attributes, parameters);
#      reachability is the closure of those dependencies from the entry point's name.
#   4. The kept statements' source text, each followed by a newline, without the last newline.
#
# Runs inside lfmbench's sandbox (the reply is untrusted text; nothing here executes it).
# Standard input: JSON {"nonce", "text", "entry_point"}. Standard output: a line
# "<nonce> {"code": sanitized program}".
import ast
import io
import json
import keyword
import os
import sys
import tokenize


def parses(code):
    try:
        ast.parse(code)
        return True
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return False


def extract_code(text):
    lines = text.split("\n")
    nonblank = [0]  # nonblank[k]: non-blank lines among lines[:k]
    for line in lines:
        nonblank.append(nonblank[-1] + (1 if line.strip() else 0))
    best, best_pair = 0, (0, 0)
    for i in range(len(lines)):
        for j in range(i + 1, len(lines)):
            count = nonblank[j + 1] - nonblank[i]
            # Only a strictly longer run can replace the best, so shorter ones need no parse.
            if count > best and parses("\n".join(lines[i : j + 1])):
                best, best_pair = count, (i, j)
    return "\n".join(lines[best_pair[0] : best_pair[1] + 1])


def identifiers(source):
    names = set()
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.NAME and not keyword.iskeyword(tok.string):
                names.add(tok.string)
    except (tokenize.TokenError, SyntaxError):
        pass
    return names


def has_return(node):
    return any(isinstance(n, ast.Return) for n in ast.walk(node))


def assigned_name(node):
    target = node.targets[0] if isinstance(node, ast.Assign) else node.target
    return target.id if isinstance(target, ast.Name) else None


def sanitize(text, entry_point):
    code = extract_code(text)
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return ""
    imports, definitions, seen = [], [], set()
    for node in tree.body:
        if isinstance(node, ast.Import) or (
            isinstance(node, ast.ImportFrom) and node.module != "__future__"
        ):
            imports.append(node)
            continue
        if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            if node.decorator_list:
                continue
            if not isinstance(node, ast.ClassDef) and not has_return(node):
                continue
            name = node.name
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            name = assigned_name(node)
        else:
            continue
        if name in seen:
            continue
        seen.add(name)
        definitions.append((name, node))

    text_of = lambda node: ast.get_source_segment(code, node)
    depends = {name: identifiers(text_of(node)) for name, node in definitions}
    reachable, queue = {entry_point}, [entry_point]
    while queue:
        for dep in depends.get(queue.pop(0), ()):
            if dep not in reachable:
                reachable.add(dep)
                queue.append(dep)
    kept = [text_of(node) for node in imports]
    kept += [text_of(node) for name, node in definitions if name is not None and name in reachable]
    return "".join(part + "\n" for part in kept)[:-1]


job = json.loads(sys.stdin.read())
result = {"code": sanitize(job["text"], job["entry_point"])}
os.write(sys.stdout.fileno(), ("\n%s %s\n" % (job["nonce"], json.dumps(result))).encode())
