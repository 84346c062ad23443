"""The Stack: nodes, wires and canvas positions, edited through methods that check each edit.

Edits made through the API are checked on the spot and refused with a StackError that names
the node and setting at fault; a stack loaded from a file may hold anything, and
``problems()`` reports all of it at once.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Callable, Iterator

from stackerynb.catalog import KIND_NAMES, kind as catalog_kind, wire_profile
from stackerynb.errors import Problem, StackError
from stackerynb.model.elements import Change, Node, Wire
from stackerynb.model.undo import History
from stackerynb.store import gitstore
from stackerynb.model.rules import (
    STACK_NAME, derived_rest, id_problem, run_rules, setting_problem, shown, suggest, unsupported_wire_message,
    wire_setting_problems,
)

if TYPE_CHECKING:
    from stackerynb.model.environments import Environment

Observer = Callable[[Change], None]


class Stack:
    """A serverless stack design: ``Stack("orders")`` or ``Stack.load("stacks/orders.yaml")``."""

    def __init__(self, name: str, *, path: str | Path | None = None, _check_name: bool = True):
        if _check_name and (not isinstance(name, str) or not STACK_NAME.fullmatch(name)):
            raise StackError(f"stack name {shown(name)} must be lower case letters, digits and dashes, "
                             "starting with a letter, at most 40 characters (it becomes part of AWS names)")
        self.name = name
        self.path: Path | None = Path(path) if path is not None else None
        self._nodes: dict[str, Node] = {}
        self._wires: list[Wire] = []
        self._layout: dict[str, tuple[float, float]] = {}
        self._observers: list[Observer] = []
        self._lines: dict[tuple, int] = {}  # positions in the file this stack was loaded from
        # A CloudFormation fragment kept verbatim (resources an import could not map to kinds);
        # saved in the file's raw section and added to every compiled template as it is.
        self.raw: dict = {}
        self.vcs = None  # what the file held when loaded or saved; set by stackerynb.store.gitstore
        self.history = History(self)  # every edit since the stack was made or loaded, for undo

    # ----------------------------------------------------------------- reading
    @property
    def nodes(self) -> list[Node]:
        """Nodes in insertion order."""
        return list(self._nodes.values())

    @property
    def wires(self) -> list[Wire]:
        """Wires in insertion order."""
        return list(self._wires)

    @property
    def layout(self) -> dict[str, tuple[float, float]]:
        """Canvas positions by node id (a copy; use ``move`` to change one)."""
        return dict(self._layout)

    def __iter__(self) -> Iterator[Node]:
        return iter(self.nodes)

    def __len__(self) -> int:
        return len(self._nodes)

    def __contains__(self, node_id: object) -> bool:
        return isinstance(node_id, str) and node_id in self._nodes

    def node(self, node_id: str) -> Node:
        """The node called ``node_id``; StackError (with a suggestion) when there is none."""
        try:
            return self._nodes[node_id]
        except (KeyError, TypeError):
            raise StackError(f"no node {shown(node_id)} in stack {self.name!r}"
                             f"{suggest(node_id, self._nodes)}") from None

    def wires_of(self, node_id: str) -> list[Wire]:
        """Wires that start or end at ``node_id``."""
        return [w for w in self._wires if node_id in (w.source, w.target)]

    def wire(self, source: str, target: str) -> Wire | None:
        """The wire ``source -> target`` or None."""
        return next((w for w in self._wires if w.source == source and w.target == target), None)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Stack):
            return NotImplemented
        return (self.name, self.nodes, self._wires, self.raw, self._layout) == (
            other.name, other.nodes, other._wires, other.raw, other._layout)

    def __repr__(self) -> str:
        return f"<Stack {self.name!r}: {len(self._nodes)} nodes, {len(self._wires)} wires>"

    # ------------------------------------------------------------- observing
    def observe(self, callback: Observer) -> None:
        """Call ``callback(change)`` after every edit (the canvas keeps itself in sync this way)."""
        self._observers.append(callback)

    def unobserve(self, callback: Observer) -> None:
        """Stop calling ``callback``."""
        if callback in self._observers:
            self._observers.remove(callback)

    def _emit(self, change: Change) -> None:
        self._lines.clear()  # file positions no longer describe the stack
        self.history.record(change)
        for callback in list(self._observers):
            callback(change)

    # ------------------------------------------------------------ undo / redo
    @contextmanager
    def batch(self):
        """Edits made inside ``with stack.batch():`` are undone and redone as one step."""
        self.history.begin()
        try:
            yield self
        finally:
            self.history.end()

    def undo(self) -> bool:
        """Take back the last edit (or batch of edits); False when there is nothing to undo.
        Observers see the reverse edits as ordinary changes."""
        return self.history.undo()

    def redo(self) -> bool:
        """Make the last undone edit again; False when there is nothing to redo."""
        return self.history.redo()

    # ------------------------------------------------------------------ edits
    def add(self, kind: str, node_id: str, *, network: str | None = None,
            position: tuple[float, float] | None = None, **settings: Any) -> Node:
        """Add a node of ``kind`` called ``node_id`` with the given settings; returns it."""
        problems = []
        why = id_problem(node_id)
        if why:
            problems.append(Problem(node_id if isinstance(node_id, str) else shown(node_id), None, why, code="bad-id"))
        elif node_id in self._nodes:
            problems.append(Problem(node_id, None, f"a node called {node_id!r} already exists "
                                    f"(a {self._nodes[node_id].kind})", code="duplicate-id"))
        spec = catalog_kind(kind) if isinstance(kind, str) else None
        if spec is None:
            problems.append(Problem(node_id if isinstance(node_id, str) else shown(node_id), None, f"unknown kind {shown(kind)}{suggest(kind, KIND_NAMES)}; "
                                    f"kinds: {', '.join(KIND_NAMES)}", code="unknown-kind"))
        if problems:
            raise StackError(f"cannot add {shown(node_id)}:", problems)
        node = Node(node_id, kind, settings)
        self._raise_setting_problems(node, settings, f"cannot add {node_id!r}:")
        if network is not None:
            self._check_placement(node, network)
            node = dataclasses.replace(node, network=network)
        where = _position(position, node_id) if position is not None else None  # checked before any change
        self._nodes[node_id] = node
        if where is not None:
            self._layout[node_id] = where
        self._emit(Change("add", node=node, position=self._layout.get(node_id)))
        return node

    def set(self, node_id: str, **settings: Any) -> Node:
        """Change settings of ``node_id``; a value of None returns that setting to its default."""
        node = self.node(node_id)
        given = {k: v for k, v in settings.items() if v is not None}
        self._raise_setting_problems(node, given, f"cannot set {node_id}:", unset=[k for k, v in settings.items() if v is None])
        values = dict(node.settings)
        for name, value in settings.items():
            if value is None:
                values.pop(name, None)
            else:
                values[name] = value
        new = dataclasses.replace(node, settings=values)
        self._nodes[node_id] = new
        self._emit(Change("set", node=new, before=node))
        return new

    def _raise_setting_problems(self, node: Node, settings: dict, context: str, unset=()) -> None:
        probe = Node(node.id, node.kind, {})
        spec = catalog_kind(node.kind)
        known = spec.settings if spec else {}
        checks = list(settings.items()) + [(n, known[n].default if n in known else None) for n in unset]
        problems = [p for name, value in checks if (p := setting_problem(probe, name, value))]
        if problems:
            raise StackError(context, problems)

    def remove(self, node_id: str) -> None:
        """Remove a node, its wires, its canvas position, and unplace nodes inside it."""
        node = self.node(node_id)
        with self.batch():  # one step for undo: the node with its wires and placements
            for wire in self.wires_of(node_id):
                self.disconnect(wire.source, wire.target)
            for inner in self.nodes:
                if inner.network == node_id:
                    self.place(inner.id, None)
            del self._nodes[node_id]
            position = self._layout.pop(node_id, None)
            self._emit(Change("remove", node=node, before_position=position))

    def rename(self, old: str, new: str) -> Node:
        """Rename a node, carrying its wires, placements, position and the references to it
        (kept properties, routes keyed by its id) over."""
        node = self.node(old)
        if new == old:
            return node
        why = id_problem(new)
        if why:
            raise StackError(f"cannot rename {old} to {shown(new)}: {why}")
        if new in self._nodes:
            raise StackError(f"cannot rename {old} to {new}: a node called {new} already exists")
        with self.batch():
            return self._rename(node, new)

    def _rename(self, node: Node, new: str) -> Node:
        old = node.id
        renamed = dataclasses.replace(node, id=new)
        self._nodes = {(new if k == old else k): (renamed if k == old else v) for k, v in self._nodes.items()}
        for nid, inner in list(self._nodes.items()):
            if inner.network == old:
                self._nodes[nid] = dataclasses.replace(inner, network=new)
        self._wires = [dataclasses.replace(w, source=new if w.source == old else w.source,
                                           target=new if w.target == old else w.target)
                       for w in self._wires]
        if old in self._layout:
            self._layout = {(new if k == old else k): v for k, v in self._layout.items()}
        touched = self._rename_references(old, new)
        self._emit(Change("rename", node=renamed, old_id=old, before=node))
        for nid, before in touched:  # inside the caller's batch: one undo step with the rename
            self._emit(Change("set", node=self._nodes[nid], before=before))
        return self._nodes[new]

    def _rename_references(self, old: str, new: str) -> list[tuple[str, Node]]:
        """``Ref``/``GetAtt``/``Sub``/``DependsOn`` to ``old`` inside nodes' kept properties and
        attributes and in ``stack.raw`` now name ``new``; returns (id, node before) of those changed."""
        touched = []
        renamed = self._nodes[new]
        raw_ids = set((self.raw or {}).get("Resources") or {}) | set((self.raw or {}).get("Parameters") or {})

        def rename(name: str) -> str:
            if name == old:
                return new
            if name in self._nodes or name in raw_ids:
                return name
            rest = derived_rest(renamed, old, name)
            return new + rest if rest else name

        for nid, node in list(self._nodes.items()):
            values = dict(node.settings)
            for key in ("properties", "attributes"):
                if isinstance(values.get(key), dict) and values[key]:
                    values[key] = renamed_references(values[key], rename)
            for key in _wired_key_settings(node):
                if isinstance(values.get(key), dict) and old in values[key]:
                    values[key] = {(new if k == old else k): v for k, v in values[key].items()}
            if values != dict(node.settings):
                self._nodes[nid] = dataclasses.replace(node, settings=values)
                touched.append((nid, node))
        if self.raw:
            self.raw = renamed_references(self.raw, rename)
        return touched

    def connect(self, source: str, target: str, access: str | list | None = None, **settings: Any) -> Wire:
        """Wire ``source -> target`` ("source may use target"); ``access`` picks access levels
        (e.g. ``"read"``) where the pair offers several, None takes the profile's default.
        ``settings`` refine the wire (``stackerynb.catalog.wire_settings``: ``env``, ``actions``,
        ``resources``, ``event``)."""
        src, dst = self.node(source), self.node(target)
        if self.wire(source, target) is not None:
            raise StackError(f"cannot wire {source} -> {target}: that wire already exists")
        profile = wire_profile(src.kind, dst.kind)
        wire = Wire(source, target, _access_text(access), {k: v for k, v in settings.items() if v is not None})
        if profile is None:
            raise StackError(f"cannot wire {source} -> {target}",
                             [Problem(source, None, unsupported_wire_message(src.kind, dst.kind, wire), code="bad-wire")])
        try:
            profile.resolve_access(wire.access)
        except ValueError as exc:
            raise StackError(f"cannot wire {source} -> {target}: {exc}") from None
        problems = list(wire_setting_problems(wire))
        if problems:
            raise StackError(f"cannot wire {source} -> {target}:", problems)
        self._wires.append(wire)
        self._emit(Change("connect", wire=wire))
        return wire

    def configure(self, source: str, target: str, access: str | list | None = ..., **settings: Any) -> Wire:
        """Change the wire ``source -> target``: its ``access`` (None: the profile's default) and
        settings (a value of None returns that setting to its default); returns the new wire."""
        wire = self.wire(source, target)
        if wire is None:
            raise StackError(f"there is no wire {shown(source)} -> {shown(target)}")
        values = dict(wire.settings)
        for name, value in settings.items():
            if value is None:
                values.pop(name, None)
            else:
                values[name] = value
        new = Wire(source, target, wire.access if access is ... else _access_text(access), values)
        problems = list(wire_setting_problems(new))
        if access is not ...:
            profile = wire_profile(self.node(source).kind, self.node(target).kind)
            try:
                profile.resolve_access(new.access)
            except ValueError as exc:
                problems.append(Problem(source, "access", f"wire {source} -> {target}: {exc}", code="bad-wire"))
        if problems:
            raise StackError(f"cannot change wire {source} -> {target}:", problems)
        self._wires[self._wires.index(wire)] = new
        self._emit(Change("configure", wire=new, before=wire))
        return new

    def disconnect(self, source: str, target: str) -> None:
        """Remove the wire ``source -> target``."""
        wire = self.wire(source, target)
        if wire is None:
            raise StackError(f"there is no wire {shown(source)} -> {shown(target)}")
        with self.batch():  # one undo step: the wire with what the source keeps for it (its routes)
            self._wires.remove(wire)
            self._emit(Change("disconnect", wire=wire))
            node = self._nodes[source]
            values = {name: ({k: v for k, v in value.items() if k != target}
                             if name in _wired_key_settings(node) and isinstance(value, dict) else value)
                      for name, value in node.settings.items()}
            if values != dict(node.settings):
                self._nodes[source] = dataclasses.replace(node, settings=values)
                self._emit(Change("set", node=self._nodes[source], before=node))

    def place(self, node_id: str, network_id: str | None) -> Node:
        """Put ``node_id`` inside the virtual network ``network_id`` (None takes it out)."""
        node = self.node(node_id)
        if network_id is not None:
            self._check_placement(node, network_id)
        new = dataclasses.replace(node, network=network_id)
        self._nodes[node_id] = new
        self._emit(Change("place", node=new, before=node))
        return new

    def _check_placement(self, node: Node, network_id: str) -> None:
        spec = catalog_kind(node.kind)
        net = self.node(network_id)
        if net.kind != "virtual_network":
            raise StackError(f"cannot place {node.id} in {network_id}: {network_id} is a {net.kind}, "
                             "not a virtual_network")
        if spec is not None and spec.network == "none":
            raise StackError(f"cannot place {node.id} in {network_id}: a {spec.label} does not sit "
                             "inside a Virtual Network")

    def move(self, node_id: str, x: float, y: float) -> None:
        """Record the canvas position of ``node_id``."""
        node = self.node(node_id)
        where = _position((x, y), node_id)
        before = self._layout.get(node_id)
        self._layout[node_id] = where
        self._emit(Change("move", node=node, position=where, before_position=before))

    # ------------------------------------------------------------- checking
    def problems(self) -> list[Problem]:
        """Every problem in the stack at once (empty when the stack is valid)."""
        found = run_rules(self)
        if not self._lines:
            return found
        return [dataclasses.replace(p, line=self._line_of(p)) for p in found]

    def _line_of(self, problem: Problem) -> int | None:
        return self._lines.get((problem.node, problem.setting)) or self._lines.get((problem.node, None))

    def validate(self) -> "Stack":
        """Raise StackError listing every problem; returns the stack when it is valid."""
        errors = [p for p in self.problems() if p.severity == "error"]
        if errors:
            raise StackError(f"stack {self.name!r} has {len(errors)} problem(s):", errors)
        return self

    # ---------------------------------------------------- environments & beyond
    # The methods below are conveniences for notebook users; the work happens in the compile
    # and deploy layers, imported on first use so the model itself stays free of them.
    @property
    def folder(self) -> Path:
        """The folder holding the stack file (and ``environments.yaml``); the working folder
        for a stack not saved yet."""
        return self.path.parent if self.path is not None else Path.cwd()

    def environment(self, env: "str | Environment") -> "Environment":
        """The Environment called ``env`` (from ``environments.yaml`` beside the stack file)."""
        from stackerynb.model.environments import resolve_environment
        return resolve_environment(env, self.folder)

    def compile(self, env: "str | Environment" = "dev", **options):
        """The CloudFormation template (a troposphere Template) for environment ``env``."""
        from stackerynb.compile import compile_stack
        return compile_stack(self, self.environment(env), **options)

    def permissions(self, env: "str | Environment" = "dev"):
        """A DataFrame with one row per generated IAM statement: wire, principal, actions, resources."""
        from stackerynb.compile import permissions_table
        return permissions_table(self, self.environment(env))

    def diagram(self, path: str | Path, positions: dict | None = None) -> Path:
        """Draw the design as the canvas shows it (same layout, shapes, labels, group boxes,
        wires and reference edges) to ``path``, an .svg or .png file; returns the path written."""
        from stackerynb.diagram import render_diagram
        return render_diagram(self, path, positions=positions)

    def diff(self, template, env: "str | Environment" = "dev"):
        """What ``template`` (a path, text or data; SAM or CloudFormation) means differently from
        this stack compiled for ``env``: a DataFrame of the semantic diff's rows (before: the
        template, after: the stack), empty when they mean the same."""
        import json

        from stackerynb.diff import diff_frame
        return diff_frame(template, json.loads(self.compile(env).to_json()))

    def deploy(self, env: "str | Environment" = "dev", **options):
        """Package, compile, preview the change set, confirm and execute it; returns a Deployment.
        In a notebook the preview, Confirm button and progress are widgets."""
        if _notebook(options):
            from stackerynb.widgets.confirm import deploy_in_notebook
            return deploy_in_notebook(self, self.environment(env), **options)
        from stackerynb.deploy import deploy
        return deploy(self, self.environment(env), **options)

    def prepare(self, env: "str | Environment" = "dev", **options):
        """Create the change set without executing it; ``.execute()`` the result later."""
        if _notebook(options):
            from stackerynb.widgets.confirm import prepare_in_notebook
            return prepare_in_notebook(self, self.environment(env), **options)
        from stackerynb.deploy import prepare
        return prepare(self, self.environment(env), **options)

    def deployments(self, env: "str | Environment" = "dev"):
        """Current and previous deployments of this stack to ``env`` as a DataFrame."""
        from stackerynb.deploy import deployments
        return deployments(self, self.environment(env))

    def deployed(self, env: "str | Environment" = "dev", deployment: str | None = None) -> "Stack":
        """The stack as it was last deployed to ``env`` (or as deployment ``deployment`` had it)."""
        from stackerynb.deploy import deployed
        return deployed(self, self.environment(env), deployment=deployment)

    def write_starter(self, node_id: str) -> Path:
        """Write a starter handler for function ``node_id`` into its code folder, to edit."""
        from stackerynb.deploy import write_starter
        return write_starter(self, node_id)

    def status(self, env: "str | Environment" = "dev"):
        """Where the stack stands in ``env`` (after an interrupted deploy, for instance)."""
        from stackerynb.deploy import status
        return status(self, self.environment(env))

    def destroy(self, env: "str | Environment" = "dev", **options):
        """Tear the stack down in ``env`` after an explicit confirmation."""
        if _notebook(options):
            from stackerynb.widgets.confirm import destroy_in_notebook
            return destroy_in_notebook(self, self.environment(env), **options)
        from stackerynb.deploy import destroy
        return destroy(self, self.environment(env), **options)

    # ---------------------------------------------------------------- files
    @classmethod
    def load(cls, path: str | Path) -> "Stack":
        """Read a stack file; StackError naming the file and line when it is malformed.
        The stack remembers what it read (and the git commit and branch) so ``save`` can refuse
        to overwrite a change made since."""
        from stackerynb.model.fileformat import parse_stack
        stack = gitstore.load(path, parse_stack)
        stack.history.clear()  # the parser fills the stack directly: undo goes back to here
        return stack

    @classmethod
    def from_template(cls, path: str | Path, *, check: bool = True, **options) -> "Stack":
        """Import a SAM or CloudFormation template (YAML with short-form tags, or JSON).

        Resources become nodes and wires where their meaning is clear and are kept verbatim
        (``stack.raw``) otherwise; ``stack.import_report`` says which and why. With ``check``
        the stack is compiled back and compared with the template: ``stack.import_changes``
        lists every change in meaning (the semantic diff), and one line says how many."""
        from stackerynb.importing import import_template
        stack, report = import_template(path, **options)
        stack.import_report = report
        stack.history.clear()  # undo goes back to the import, not through it
        if check:
            from stackerynb.importing.report import check_meaning, meaning_line
            try:
                stack.import_changes = check_meaning(stack, report)
                print(meaning_line(len(stack.import_changes), str(path)))
            except StackError as exc:  # the import stands; only its proof is missing
                print(f"could not compare the stack with {path}: {exc}")
        return stack

    def snapshot(self) -> tuple:
        """The design as immutable values (name, nodes, wires, positions): equal snapshots mean
        no edit happened in between (the store compares them to tell unsaved edits)."""
        return (self.name, tuple(self._nodes.values()), tuple(self._wires), tuple(self._layout.items()))

    def dumps(self) -> str:
        """The stack file's text."""
        from stackerynb.model.fileformat import dump_stack
        return dump_stack(self)

    def save(self, path: str | Path | None = None, *, branch: str | None = None):
        """Write the stack file atomically (default ``stacks/<name>.yaml``); returns the path.

        Refused, writing nothing, when the file changed on disk or on the git branch since this
        stack loaded or saved it; the error offers ``reload(confirm=True)`` or ``save(branch=...)``.
        ``branch="feature-x"`` puts the edits on that new git branch: checked out with the edits
        carried over (like ``git checkout -b``) when that loses nothing, else committed on it
        without touching the work tree (another kernel's uncommitted save stays where it is). It
        returns a :class:`~stackerynb.store.gitstore.BranchSave` saying which branch holds what."""
        target = Path(path) if path is not None else (self.path or Path("stacks") / f"{self.name}.yaml")
        result = gitstore.save(self, target, branch=branch)
        if branch is None or result.checked_out:
            self.path = target
        return result if branch is not None else target

    def commit(self, message: str) -> str:
        """Save (checked as ``save`` is) and git-commit the stack file alone; returns the commit sha.
        Pushing stays your choice."""
        return gitstore.commit(self, message)

    def reload(self, confirm: bool = False) -> "Stack":
        """Read the stack file again into this stack (the canvas follows); discarding unsaved
        edits needs ``confirm=True``."""
        from stackerynb.model.reloading import apply_file
        path = gitstore.check_can_reload(self, confirm)
        fresh = Stack.load(path)
        with self.history.paused():
            apply_file(self, fresh)
        self.history.clear()  # the file is the new starting point
        self.vcs = fresh.vcs
        return self

    def changed_underneath(self) -> str | None:
        """Why saving now would be refused (the file or the branch changed), or None."""
        return gitstore.changed_underneath(self)


def _position(position, node_id: str) -> tuple[float, float]:
    try:
        x, y = position
        x, y = float(x), float(y)
    except (TypeError, ValueError, OverflowError):
        raise StackError(f"{node_id}: position must be (x, y) numbers, got {shown(position)}") from None
    if x != x or y != y or abs(x) > 1e9 or abs(y) > 1e9:
        raise StackError(f"{node_id}: position {shown(position)} is not a finite canvas position")
    return (round(x), round(y))


def _wired_key_settings(node: Node) -> list[str]:
    """Names of ``node``'s settings keyed by the ids of the nodes it is wired to."""
    spec = catalog_kind(node.kind)
    return [name for name, setting in spec.settings.items() if setting.wired_keys] if spec else []


def renamed_references(value, rename: Callable[[str], str]):
    """``value`` (template data) with each logical id it refers to (``Ref``, ``Fn::GetAtt``,
    ``Fn::Sub`` variables, ``DependsOn`` entries) replaced by ``rename(id)``."""
    from stackerynb.cfn.intrinsics import rename_references

    value = rename_references(value, lambda name, attribute: rename(name))
    return _renamed_depends_on(value, rename)


def _renamed_depends_on(value, rename):
    if isinstance(value, dict):
        out = {}
        for key, inner in value.items():
            if key == "DependsOn" and isinstance(inner, (str, list)):
                out[key] = rename(inner) if isinstance(inner, str) else \
                    [rename(d) if isinstance(d, str) else d for d in inner]
            else:
                out[key] = _renamed_depends_on(inner, rename)
        return out
    if isinstance(value, list):
        return [_renamed_depends_on(v, rename) for v in value]
    return value


def _access_text(access) -> str | None:
    if access is None or isinstance(access, str):
        return access
    if not isinstance(access, (list, tuple)) or not all(isinstance(a, str) for a in access):
        raise StackError(f"access must be a level name or a list of them, got {shown(access)}")
    return ",".join(access)


def _notebook(options: dict) -> bool:
    """True when a deploy should draw widgets: in a Jupyter kernel, not quiet, and no reporter
    or confirmation given by the caller."""
    if options.get("quiet") or options.get("reporter") is not None or options.get("confirm") is not None:
        return False
    from stackerynb.deploy.progress import in_notebook
    return in_notebook()
