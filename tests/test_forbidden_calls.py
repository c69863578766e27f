"""Source check of issue 11: no code-executing conversion of user input anywhere in symtaylor/.

Every ``.py`` file under ``symtaylor/`` is parsed with :mod:`ast` and these are refused:

* ``eval``, ``exec``, ``compile``, ``__import__`` (called, referenced, or reached through
  ``builtins``/``getattr``). ``exec``/``compile`` are allowed in exactly one place: codegen's
  execution of its own generated source, marked by the comment ``# generated-source-exec`` on
  that line (or, until that comment lands, the function listed in :data:`EXEC_ALLOWED`).
* ``sympify`` (any spelling: ``sp.sympify``, ``sympy.sympify``, an import of it),
  ``parse_expr``, anything from ``sympy.parsing``; ``S(...)`` of text or of a parameter.
* ``nsimplify`` (it sympifies text), unless guarded by a float test on its argument
  (``nsimplify(v) if v.is_Float else v``, ``if isinstance(v, float): nsimplify(v)``) or in a
  function of :data:`NSIMPLIFY_ALLOWED`.
* ``Matrix(p)`` (and the other matrix/array constructors) where ``p`` is a parameter of an
  enclosing function, alone or as an element of a list/tuple (``Matrix([p])``), or a string
  literal: ``sympy.Matrix`` sympifies its entries. A parameter rebound first through a
  conversion (``p = as_matrix(p)``, any ``as_*`` call) is fine, and so is a parameter of a
  private helper annotated as Symbols only (``syms: tuple[sp.Symbol, ...]``: the public callers
  made them with ``as_variables``); reviewed sites are listed in :data:`MATRIX_ALLOWED`.

The checker itself is tested on planted violations (``test_checker_catches_planted_...``).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "symtaylor"

#: The one comment that allows exec/compile on its line (codegen only).
EXEC_MARKER = "# generated-source-exec"
#: The file where that comment is honoured (its path ends so: a package directory and a file).
EXEC_FILE = "codegen/load.py"
#: Until the marker comment lands: (file, function) whose exec/compile run generated source.
#: ``codegen.load._load`` executes the NumPy module codegen printed itself (identifiers sanitized).
EXEC_ALLOWED = {("codegen/load.py", "_load")}

#: The one module that may call ``sympy.lambdify`` (it renames every argument to a Dummy and
#: refuses other free symbols: lambdify prints symbol names into source it executes).
LAMBDIFY_FILE = "symtaylor/lambdify.py"

#: (file, function) -> why nsimplify there cannot see user text.
NSIMPLIFY_ALLOWED: dict[tuple[str, str], str] = {}

#: (file, function, parameter) -> why Matrix(parameter) there cannot see user objects.
MATRIX_ALLOWED: dict[tuple[str, str, str], str] = {
    ("checks.py", "_as_column", "value"): "refuses anything that is not sp.Basic first (a "
    "derivation builder's own SymPy objects; Python numbers become Integer/Float)",
}

#: (file, function, module) -> why that import of sympy.parsing cannot evaluate text. Each
#: listed module is checked below (:func:`test_allowed_parsing_modules_evaluate_nothing`): its
#: source calls none of sympify, parse_expr, S, eval, exec or compile.
PARSING_ALLOWED: dict[tuple[str, str, str], str] = {
    ("derivations/readback.py", "parser", "sympy.parsing.latex.lark"): "only its directory is "
    "read (the grammar file); the package's parser is a lark Earley parser",
    ("derivations/readback.py", "parser", "sympy.parsing.latex.lark.transformer"): "a lark "
    "Transformer that builds SymPy objects node by node from the parse tree; it reads the "
    "derivations' own LaTeX back in tests and is never given user text by the CLI",
}

_CODE_BUILTINS = {"eval", "exec", "compile", "__import__"}
_SYMPIFY_NAMES = {"sympify", "parse_expr"}
_MATRIX_NAMES = {
    "Matrix", "MutableMatrix", "MutableDenseMatrix", "ImmutableMatrix", "ImmutableDenseMatrix",
    "SparseMatrix", "MutableSparseMatrix", "ImmutableSparseMatrix", "Array",
    "ImmutableDenseNDimArray", "MutableDenseNDimArray", "NDimArray",
}
_SYMPY_MODULES = {"sp", "sympy"}
#: isinstance(p, <these>) before Matrix(p): p holds SymPy objects already (nothing to parse)
_SYMPY_ARRAYS = {"MatrixBase", "NDimArray", "ImmutableMatrix", "ImmutableDenseMatrix",
                 "DenseMatrix", "ImmutableDenseNDimArray"}
_NUMERIC_TESTS = {"is_Float", "is_Number", "is_Rational", "is_Integer", "is_number"}
_NUMERIC_TYPES = {"float", "int", "Float", "Integer", "Rational", "floating", "integer",
                  "Real", "Integral", "Number", "Fraction"}


@dataclass(frozen=True, order=True)
class Violation:
    path: str
    line: int
    function: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line} (in {self.function}): {self.message}"


def _is_exec_file(path: str) -> bool:
    """Whether ``path`` is :data:`EXEC_FILE` (compared by its last components, not by name)."""
    return Path(path).parts[-2:] == tuple(EXEC_FILE.split("/"))


def _callee(node: ast.Call) -> str | None:
    """``f`` for ``f(...)``, ``attr`` for ``obj.attr(...)``."""
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


class _Checker(ast.NodeVisitor):
    def __init__(self, source: str, path: str) -> None:
        self.path = path
        self.lines = source.splitlines()
        self.found: list[Violation] = []
        self.scopes: list[ast.AST] = []  # enclosing FunctionDef/Lambda nodes
        self.names: list[str] = []  # qualified-name parts (classes and functions)
        self.parents: dict[ast.AST, ast.AST] = {}
        self.exec_sites: list[Violation] = []

    # -- bookkeeping -----------------------------------------------------------------------

    def run(self, tree: ast.AST) -> list[Violation]:
        for parent in ast.walk(tree):
            for child in ast.iter_child_nodes(parent):
                self.parents[child] = parent
        self.visit(tree)
        return self.found

    @property
    def function(self) -> str:
        return ".".join(self.names) or "<module>"

    def _innermost_def(self) -> str:
        for scope in reversed(self.scopes):
            if isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef):
                return scope.name
        return "<module>"

    def flag(self, node: ast.AST, message: str) -> None:
        self.found.append(Violation(self.path, getattr(node, "lineno", 0), self.function,
                                    message))

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.names.append(node.name)
        self.generic_visit(node)
        self.names.pop()

    def _visit_scope(self, node: ast.AST, name: str | None) -> None:
        self.scopes.append(node)
        if name is not None:
            self.names.append(name)
        self.generic_visit(node)
        if name is not None:
            self.names.pop()
        self.scopes.pop()

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._visit_scope(node, node.name)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._visit_scope(node, node.name)

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self._visit_scope(node, None)

    # -- imports and references ------------------------------------------------------------

    def _parsing_allowed(self, module: str) -> bool:
        return any(self.path.endswith(f) and fn == self._innermost_def() and mod == module
                   for f, fn, mod in PARSING_ALLOWED)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name.startswith("sympy.parsing") and not self._parsing_allowed(alias.name):
                self.flag(node, f"import {alias.name} (sympy.parsing evaluates text)")
        self.generic_visit(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        if (module.startswith("sympy.parsing") and not self._parsing_allowed(module)) or \
                (module == "sympy" and any(a.name == "parsing" for a in node.names)):
            self.flag(node, f"from {module} import ... (sympy.parsing evaluates text)")
        for alias in node.names:
            if (alias.name in _SYMPIFY_NAMES | {"nsimplify", "S", "lambdify"}
                    and module.startswith("sympy")):
                self.flag(node, f"from {module} import {alias.name} (an alias would escape "
                                "this check: use sp.{alias.name} so it is checked)")
            if alias.name in _CODE_BUILTINS and module == "builtins":
                self.flag(node, f"from builtins import {alias.name}")
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        if node.id in _CODE_BUILTINS and isinstance(node.ctx, ast.Load):
            self._code_builtin(node, node.id)
        elif node.id in _SYMPIFY_NAMES and isinstance(node.ctx, ast.Load):
            self.flag(node, f"{node.id} (evaluates text as Python)")
        self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        base = node.value.id if isinstance(node.value, ast.Name) else None
        if node.attr in _SYMPIFY_NAMES:
            self.flag(node, f"{ast.unparse(node)} (evaluates text as Python)")
        elif node.attr == "parsing" and base in _SYMPY_MODULES:
            self.flag(node, f"{ast.unparse(node)} (sympy.parsing evaluates text)")
        elif node.attr in _CODE_BUILTINS and base in ("builtins", "__builtins__"):
            self._code_builtin(node, node.attr)
        elif node.attr == "lambdify" and base in _SYMPY_MODULES and not self.path.endswith(
                LAMBDIFY_FILE):
            self.flag(node, f"{ast.unparse(node)} (prints symbol names into exec'd source: "
                            "use symtaylor.lambdify, which renames them first)")
        self.generic_visit(node)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        key = node.slice
        if (isinstance(node.value, ast.Name) and node.value.id == "__builtins__"
                and isinstance(key, ast.Constant) and key.value in _CODE_BUILTINS):
            self._code_builtin(node, str(key.value))
        self.generic_visit(node)

    def _code_builtin(self, node: ast.AST, name: str) -> None:
        if name in ("exec", "compile"):
            line = self.lines[node.lineno - 1] if 0 < node.lineno <= len(self.lines) else ""
            in_codegen = _is_exec_file(self.path)
            allowed = in_codegen and (EXEC_MARKER in line or
                                      (EXEC_FILE, self._innermost_def()) in EXEC_ALLOWED)
            if allowed:
                self.exec_sites.append(Violation(self.path, node.lineno, self.function,
                                                 f"allowed {name}"))
                return
        self.flag(node, f"{name} (runs code)")

    # -- calls -----------------------------------------------------------------------------

    def visit_Call(self, node: ast.Call) -> None:
        name = _callee(node)
        if (name == "getattr" and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant)
                and node.args[1].value in _CODE_BUILTINS | _SYMPIFY_NAMES | {"nsimplify"}):
            self.flag(node, f"getattr(..., {node.args[1].value!r})")
        if name == "nsimplify":
            self._nsimplify(node)
        if name == "S" and (isinstance(node.func, ast.Name) or
                            (isinstance(node.func, ast.Attribute) and
                             isinstance(node.func.value, ast.Name) and
                             node.func.value.id in _SYMPY_MODULES)):
            self._s_call(node)
        if name in _MATRIX_NAMES:
            self._matrix(node, name)
        self.generic_visit(node)

    def _nsimplify(self, node: ast.Call) -> None:
        key = (Path(self.path).name, self._innermost_def())
        if key in NSIMPLIFY_ALLOWED or self._float_guarded(node) or self._float_local(node):
            return
        self.flag(node, f"{ast.unparse(node)[:80]} (nsimplify sympifies its argument; guard "
                        "it by a float test or convert with symtaylor.coerce)")

    def _float_guarded(self, node: ast.Call) -> bool:
        """``nsimplify(v, ...)`` inside the true branch of a numeric test of ``v``."""
        if not node.args or not isinstance(node.args[0], ast.Name):
            return False
        var = node.args[0].id
        child: ast.AST = node
        parent = self.parents.get(child)
        while parent is not None and not isinstance(parent, ast.FunctionDef | ast.Lambda):
            in_body = ((isinstance(parent, ast.IfExp) and child is parent.body) or
                       (isinstance(parent, ast.If) and child in parent.body))
            if in_body and _numeric_test(parent.test, var):  # type: ignore[attr-defined]
                return True
            child, parent = parent, self.parents.get(parent)
        return False

    def _float_local(self, node: ast.Call) -> bool:
        """``v = sp.Float(...)`` is the only binding of ``v`` in the function."""
        if not node.args or not isinstance(node.args[0], ast.Name) or not self.scopes:
            return False
        var = node.args[0].id
        scope = self.scopes[-1]
        if var in _parameters(scope):
            return False
        values = [n.value for n in ast.walk(scope) if isinstance(n, ast.Assign)
                  and any(isinstance(t, ast.Name) and t.id == var for t in n.targets)]
        stores = [n for n in ast.walk(scope) if isinstance(n, ast.Name) and n.id == var
                  and isinstance(n.ctx, ast.Store)]
        return (bool(values) and len(values) == len(stores) and
                all(isinstance(v, ast.Call) and _callee(v) == "Float" for v in values))

    def _type_guarded(self, node: ast.Call, var: str, types: set[str]) -> bool:
        """``node`` inside the true branch of ``isinstance(var, <one of types>)``."""
        child: ast.AST = node
        parent = self.parents.get(child)
        while parent is not None and not isinstance(parent, ast.FunctionDef | ast.Lambda):
            if ((isinstance(parent, ast.IfExp) and child is parent.body) or
                    (isinstance(parent, ast.If) and child in parent.body)):
                if _isinstance_of(parent.test, var, types):  # type: ignore[attr-defined]
                    return True
            child, parent = parent, self.parents.get(parent)
        return False

    def _s_call(self, node: ast.Call) -> None:
        for arg in node.args:
            if isinstance(arg, ast.Constant) and isinstance(arg.value, int | float):
                continue
            if (isinstance(arg, ast.UnaryOp) and isinstance(arg.operand, ast.Constant)
                    and isinstance(arg.operand.value, int | float)):
                continue
            if isinstance(arg, ast.Constant | ast.JoinedStr) or self._parameter_in(arg, node):
                self.flag(node, f"{ast.unparse(node)[:80]} (S() sympifies text)")
                return

    def _matrix(self, node: ast.Call, name: str) -> None:
        # Matrix(data) or Matrix(rows, cols, data): the dimensions are not converted
        for arg in node.args[2:3] if len(node.args) >= 3 else node.args[:1]:
            if isinstance(arg, ast.Constant | ast.JoinedStr) and isinstance(
                    getattr(arg, "value", ""), str):
                self.flag(node, f"{ast.unparse(node)[:80]} ({name} of text sympifies it)")
                return
            param = self._parameter_in(arg, node)
            if param is None:
                continue
            key = (Path(self.path).name, self._innermost_def(), param)
            if key not in MATRIX_ALLOWED and not self._type_guarded(node, param, _SYMPY_ARRAYS):
                self.flag(node, f"{ast.unparse(node)[:80]} ({name} of the parameter {param!r} "
                                "sympifies user objects: convert with symtaylor.coerce."
                                "as_matrix/as_vector first)")
                return

    def _parameter_in(self, arg: ast.AST, call: ast.Call) -> str | None:
        """A parameter of an enclosing scope used as ``arg``, alone or as a list element."""
        candidates: list[ast.Name] = []
        stack = [arg]
        while stack:
            item = stack.pop()
            if isinstance(item, ast.Name):
                candidates.append(item)
            elif isinstance(item, ast.List | ast.Tuple | ast.Set):
                stack.extend(item.elts)
            elif isinstance(item, ast.Starred):
                stack.append(item.value)
            elif (isinstance(item, ast.Call) and isinstance(item.func, ast.Name)
                  and item.func.id in ("list", "tuple") and item.args):
                stack.append(item.args[0])  # Matrix(list(p)) is Matrix(p)
        for cand in candidates:
            for scope in reversed(self.scopes):
                params = _parameters(scope)
                if cand.id in params:
                    if cand.id in ("self", "cls") or _private_symbols_parameter(scope, cand.id):
                        break
                    if not _converted_before(scope, cand.id, call.lineno):
                        return cand.id
                    break
                if _assigns(scope, cand.id):
                    break  # a local of this scope, not a parameter of an outer one
        return None


def _isinstance_of(test: ast.AST, var: str, types: set[str]) -> bool:
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        return any(_isinstance_of(v, var, types) for v in test.values)
    if (isinstance(test, ast.Call) and isinstance(test.func, ast.Name)
            and test.func.id == "isinstance" and len(test.args) == 2
            and isinstance(test.args[0], ast.Name) and test.args[0].id == var):
        kinds = test.args[1].elts if isinstance(test.args[1], ast.Tuple) else [test.args[1]]
        return all(_type_name(k) in types for k in kinds)
    return False


def _numeric_test(test: ast.AST, var: str) -> bool:
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        return any(_numeric_test(v, var) for v in test.values)
    if (isinstance(test, ast.Attribute) and test.attr in _NUMERIC_TESTS
            and isinstance(test.value, ast.Name) and test.value.id == var):
        return True
    return _isinstance_of(test, var, _NUMERIC_TYPES)


def _type_name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _parameters(scope: ast.AST) -> set[str]:
    args = getattr(scope, "args", None)
    if args is None:
        return set()
    names = {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)}
    names |= {a.arg for a in (args.vararg, args.kwarg) if a is not None}
    return names


def _private_symbols_parameter(scope: ast.AST, name: str) -> bool:
    """``name`` is a parameter of a private function annotated as Symbols only
    (``Symbol``, ``tuple[sp.Symbol, ...]``, ``Sequence[sp.Symbol]``)."""
    if not isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef) or \
            not scope.name.startswith("_"):
        return False
    args = scope.args
    for arg in (*args.posonlyargs, *args.args, *args.kwonlyargs):
        if arg.arg == name and arg.annotation is not None:
            words = {n.id if isinstance(n, ast.Name) else n.attr for n in ast.walk(arg.annotation)
                     if isinstance(n, ast.Name | ast.Attribute)}
            words |= {w for n in ast.walk(arg.annotation) if isinstance(n, ast.Constant)
                      and isinstance(n.value, str) for w in n.value.replace("[", " ")
                      .replace("]", " ").replace(",", " ").replace(".", " ").split()}
            containers = {"tuple", "Tuple", "list", "List", "Sequence", "sp", "sympy"}
            return "Symbol" in words and words <= containers | {"Symbol"}
    return False


def _assigns(scope: ast.AST, name: str) -> bool:
    return any(isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Store)
               for n in ast.walk(scope))


def _converted_before(scope: ast.AST, name: str, line: int) -> bool:
    """``name = as_xxx(...)`` (a conversion-layer call) in ``scope`` before ``line``."""
    for node in ast.walk(scope):
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.lineno < line:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            stored = {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
            value = node.value
            if name in stored and isinstance(value, ast.Call):
                callee = _callee(value) or ""
                if callee.startswith(("as_", "_as_")):
                    return True
    return False


def check_source(source: str, path: str = "<string>") -> list[Violation]:
    """The forbidden calls in one module's source (the exec/compile count is checked too)."""
    checker = _Checker(source, path)
    found = checker.run(ast.parse(source, filename=path))
    places = sorted({v.function for v in checker.exec_sites})
    if len(places) > 1:
        where = ", ".join(f"{v.function} line {v.line}" for v in checker.exec_sites)
        found.append(Violation(path, checker.exec_sites[-1].line, checker.exec_sites[-1].function,
                               f"exec/compile of generated source in more than one function "
                               f"({where}): it is executed in one place only"))
    return sorted(found)


def check_package(package: Path = PACKAGE) -> tuple[list[Violation], int]:
    """Violations in every ``.py`` file under ``package`` and the number of files read."""
    found: list[Violation] = []
    files = sorted(package.rglob("*.py"))
    for path in files:
        rel = path.relative_to(package.parent).as_posix()
        found.extend(check_source(path.read_text(encoding="utf-8"), rel))
    return found, len(files)


# -- the check ---------------------------------------------------------------------------------


def test_no_forbidden_calls_in_symtaylor() -> None:
    found, files = check_package()
    assert files > 10, f"expected the symtaylor sources under {PACKAGE}, read {files} files"
    if found:
        pytest.fail(f"{len(found)} forbidden calls in symtaylor/ ({files} files checked):\n"
                    + "\n".join(f"  {v}" for v in found), pytrace=False)


def test_allowed_parsing_modules_evaluate_nothing() -> None:
    """The sympy.parsing modules of :data:`PARSING_ALLOWED` (and the lark parser module they
    load) call no function that evaluates text: a SymPy upgrade that adds one fails here."""
    import importlib.util

    mods = {m for _, _, m in PARSING_ALLOWED} | {"sympy.parsing.latex.lark.latex_parser"}
    evaluating = _SYMPIFY_NAMES | _CODE_BUILTINS | {"S", "parse_latex", "nsimplify"}
    for mod in sorted(mods):
        spec = importlib.util.find_spec(mod)
        assert spec is not None and spec.origin, mod
        tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
        calls = {ast.unparse(n.func).rsplit(".", 1)[-1] for n in ast.walk(tree)
                 if isinstance(n, ast.Call)}
        assert not calls & evaluating, (mod, calls & evaluating)


def test_exec_allowed_in_one_place_only() -> None:
    """The generated-source exec exists once in the package (and nowhere but codegen)."""
    sites = []
    for path in sorted(PACKAGE.rglob("*.py")):
        checker = _Checker(path.read_text(encoding="utf-8"),
                           path.relative_to(PACKAGE.parent).as_posix())
        checker.run(ast.parse(path.read_text(encoding="utf-8")))
        sites.extend(checker.exec_sites)
    places = {(v.path, v.function) for v in sites}
    assert len(places) <= 1, f"exec/compile of generated source in more than one place: {places}"
    assert places == {(f"symtaylor/{EXEC_FILE}", "_load")}, places


# -- the checker catches what it must (planted violations) ----------------------------------

PLANTED = {
    "eval call": "def f(text):\n    return eval(text)\n",
    "exec call": "def f(text):\n    exec(text)\n",
    "exec reference": "run = exec\n",
    "compile call": "def f(text):\n    return compile(text, '<s>', 'eval')\n",
    "__import__": "def f(name):\n    return __import__(name)\n",
    "builtins.eval": "import builtins\n\ndef f(t):\n    return builtins.eval(t)\n",
    "__builtins__['exec']": "def f(t):\n    __builtins__['exec'](t)\n",
    "getattr eval": "import builtins\n\ndef f(t):\n    return getattr(builtins, 'eval')(t)\n",
    "sp.sympify": "import sympy as sp\n\ndef f(t):\n    return sp.sympify(t)\n",
    "sp.lambdify": "import sympy as sp\n\ndef f(x, e):\n    return sp.lambdify(x, e)\n",
    "sympy.sympify": "import sympy\n\ndef f(t):\n    return sympy.sympify(t)\n",
    "sympify name": "from sympy import sympify\n\ndef f(t):\n    return sympify(t)\n",
    "sympify alias": "from sympy import sympify as sy\n\ndef f(t):\n    return sy(t)\n",
    "sympify inner module": "import sympy as sp\n\ndef f(t):\n"
                            "    return sp.core.sympify.sympify(t)\n",
    "S(text)": "import sympy as sp\n\ndef f():\n    return sp.S('x + 1')\n",
    "S(parameter)": "from sympy import S\n\ndef f(t):\n    return S(t)\n",
    "parse_expr": "from sympy.parsing.sympy_parser import parse_expr\n\ndef f(t):\n"
                  "    return parse_expr(t)\n",
    "sp.parse_expr": "import sympy as sp\n\ndef f(t):\n    return sp.parse_expr(t)\n",
    "import sympy.parsing": "import sympy.parsing.sympy_parser\n",
    "sp.parsing": "import sympy as sp\n\ndef f(t):\n"
                  "    return sp.parsing.sympy_parser.parse_expr(t)\n",
    "nsimplify unguarded": "import sympy as sp\n\ndef f(v):\n    return sp.nsimplify(v)\n",
    "nsimplify str-guarded": "import sympy as sp\n\ndef f(v):\n"
                             "    return sp.nsimplify(v) if isinstance(v, str) else v\n",
    "nsimplify else-branch": "import sympy as sp\n\ndef f(v):\n"
                             "    return v if v.is_Float else sp.nsimplify(v)\n",
    "Matrix(parameter)": "import sympy as sp\n\ndef f(b):\n    return sp.Matrix(b)\n",
    "Matrix([parameter])": "import sympy as sp\n\ndef f(s):\n    return sp.Matrix([s])\n",
    "Matrix(list(parameter))": "import sympy as sp\n\ndef f(s):\n"
                               "    return sp.Matrix(list(s))\n",
    "Matrix(parameter) in lambda": "import sympy as sp\n\ndef f(b):\n"
                                   "    return (lambda: sp.Matrix(b))()\n",
    "Matrix(parameter) rebound by list": "import sympy as sp\n\ndef f(b):\n    b = list(b)\n"
                                         "    return sp.Matrix(b)\n",
    "ImmutableMatrix(parameter)": "from sympy import ImmutableMatrix\n\ndef f(m):\n"
                                  "    return ImmutableMatrix(m)\n",
    "Matrix(text)": "import sympy as sp\n\nM = sp.Matrix('[[1, 2]]')\n",
    "method Matrix(parameter)": "import sympy as sp\n\nclass A:\n    def f(self, h):\n"
                                "        return sp.Matrix(h)\n",
    "exec in codegen, other function": "def _other(src):\n    exec(src)\n",
    "nsimplify of a parameter named like a Float local": "import sympy as sp\n\ndef f(v):\n"
                                                         "    return sp.nsimplify(v)\n",
    "nsimplify of a local also bound to text": "import sympy as sp\n\ndef f(t):\n"
                                               "    v = sp.Float(1)\n    v = t\n"
                                               "    return sp.nsimplify(v)\n",
    "Matrix(parameter) under a str test": "import sympy as sp\n\ndef f(b):\n"
                                          "    if isinstance(b, str):\n"
                                          "        return sp.Matrix(b)\n",
    "Matrix(n, n, parameter)": "import sympy as sp\n\ndef f(n, d):\n"
                               "    return sp.Matrix(n, n, d)\n",
    "public Matrix(Symbols parameter)": "import sympy as sp\n\n"
                                        "def f(syms: tuple[sp.Symbol, ...]):\n"
                                        "    return sp.Matrix(syms)\n",
    "private Matrix(Any parameter)": "import sympy as sp\nfrom typing import Any\n\n"
                                     "def _f(syms: Any):\n    return sp.Matrix(syms)\n",
    "private Matrix(Symbol | str parameter)": "import sympy as sp\n\n"
                                              "def _f(syms: 'Sequence[sp.Symbol | str]'):\n"
                                              "    return sp.Matrix(syms)\n",
    "exec marker outside codegen": "def _load(src):\n    exec(src)  # generated-source-exec\n",
}

CLEAN = {
    "re.compile": "import re\n\nPAT = re.compile('x')\n",
    "obj.eval method": "def f(cls, x):\n    return cls.eval(x)\n",
    "_sympify strict": "from sympy.core.sympify import _sympify\n\ndef f(x):\n"
                       "    return _sympify(x)\n",
    "S(number) and S.Half": "import sympy as sp\n\nHALF = sp.S.Half + sp.S(1) + sp.S(-2)\n",
    "nsimplify is_Float": "import sympy as sp\n\ndef f(v):\n"
                          "    return sp.nsimplify(v) if v.is_Float else v\n",
    "nsimplify isinstance float": "import sympy as sp\n\ndef f(v, exact):\n"
                                  "    if isinstance(v, float) and exact:\n"
                                  "        return sp.nsimplify(v, rational=True)\n"
                                  "    return v\n",
    "Matrix(local)": "import sympy as sp\n\ndef f(n):\n    rows = [[1] * n]\n"
                     "    return sp.Matrix(rows)\n",
    "Matrix(converted parameter)": "import sympy as sp\n\ndef f(b):\n    b = as_matrix(b)\n"
                                   "    return sp.Matrix(b)\n",
    "Matrix(n, n, lambda)": "import sympy as sp\n\ndef f(n):\n"
                            "    return sp.Matrix(n, n, lambda i, j: i + j)\n",
    "Matrix(self.attr)": "import sympy as sp\n\nclass A:\n    def f(self):\n"
                         "        return sp.Matrix(self.d)\n",
    "private Matrix(Symbols parameter)": "import sympy as sp\n\n"
                                         "def _f(a, syms: tuple[sp.Symbol, ...]):\n"
                                         "    return sp.Matrix(syms)\n",
    "private Matrix(Sequence[Symbol] string annotation)": "import sympy as sp\n\n"
                                                          "def _f(syms: 'Sequence[sp.Symbol]'):\n"
                                                          "    return sp.Matrix(list(syms))\n",
    "nsimplify of a Float local": "import sympy as sp\n\ndef f(value):\n"
                                  "    g = sp.Float(value, 15)\n"
                                  "    return sp.nsimplify(g, rational=True)\n",
    "Matrix(parameter) of an NDimArray": "import sympy as sp\n\ndef f(e):\n"
                                         "    if isinstance(e, sp.NDimArray):\n"
                                         "        e = sp.Matrix(e) if e.rank() == 2 else e\n"
                                         "    return e\n",
}


@pytest.mark.parametrize("label", sorted(PLANTED))
def test_checker_catches_planted_violation(label: str) -> None:
    path = f"symtaylor/{EXEC_FILE}" if label.startswith("exec in codegen") else "symtaylor/x.py"
    found = check_source(PLANTED[label], path)
    assert found, f"the checker missed: {label}\n{PLANTED[label]}"
    assert all(v.path == path and v.line >= 1 for v in found)


@pytest.mark.parametrize("label", sorted(CLEAN))
def test_checker_accepts_clean_code(label: str) -> None:
    found = check_source(CLEAN[label], "symtaylor/x.py")
    assert not found, f"false positive on {label}: {[str(v) for v in found]}"


def test_checker_allows_the_one_generated_source_exec() -> None:
    marked = ("def _run(src, ns):\n"
              "    code = compile(src, '<g>', 'exec')  # generated-source-exec\n"
              "    exec(code, ns)  # generated-source-exec\n")
    listed = "def _load(src, ns):\n    code = compile(src, '<g>', 'exec')\n    exec(code, ns)\n"
    assert check_source(marked, f"symtaylor/{EXEC_FILE}") == []
    assert check_source(listed, f"symtaylor/{EXEC_FILE}") == []
    assert check_source(marked, "symtaylor/codegen/printer.py") != []  # one file only
    assert check_source(marked, "symtaylor/load.py") != []
    twice = marked + "\n\n" + marked.replace("_run", "_run2")
    found = check_source(twice, f"symtaylor/{EXEC_FILE}")
    assert any("more than one" in v.message for v in found)


def test_report_names_file_and_line() -> None:
    (v,) = check_source("import sympy as sp\n\n\ndef g(t):\n    return sp.sympify(t)\n",
                        "symtaylor/mod.py")
    assert str(v).startswith("symtaylor/mod.py:5 (in g): ")
