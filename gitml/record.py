"""`dataclass` and `field` without the `dataclasses` module on the hot paths (issue 19).

Importing `dataclasses` costs ~8 ms of every command (it imports `inspect`, which pulls
`ast`, `dis`, `tokenize` ...), a quarter of the pre-commit hook's budget. gitml's records use
a small part of it: `frozen`, `slots`, defaults, `field(default_factory=..., compare=...)`,
`__post_init__`, inheritance. This module builds the same methods for that part (`__init__`,
`__repr__`, `__eq__`, `__hash__`, frozen `__setattr__`/`__delattr__`, `__slots__`,
`__match_args__`), with the rules `dataclasses` applies (a method the class defines itself is
kept; `eq` without `frozen` makes a record unhashable). Type checkers see `dataclasses`
itself (under TYPE_CHECKING), so mypy checks every record as a dataclass.
"""

from __future__ import annotations

TYPE_CHECKING = False

if TYPE_CHECKING:
    from dataclasses import dataclass as dataclass
    from dataclasses import field as field
else:

    class FrozenInstanceError(AttributeError):
        """Assigning to a field of a frozen record (as dataclasses.FrozenInstanceError)."""

    class _Missing:
        def __repr__(self) -> str:
            return "MISSING"

    MISSING = _Missing()

    class Field:
        __slots__ = ("compare", "default", "default_factory", "hash", "name", "repr")

        def __init__(self, default, default_factory, compare, repr, hash=None):
            self.default, self.default_factory = default, default_factory
            self.compare, self.repr, self.hash, self.name = compare, repr, hash, ""

    def field(*, default=MISSING, default_factory=MISSING, compare=True, repr=True, hash=None):
        if default is not MISSING and default_factory is not MISSING:
            raise ValueError("cannot specify both default and default_factory")
        return Field(default, default_factory, compare, repr, hash)

    def _is_classvar(annotation):
        text = annotation if isinstance(annotation, str) else repr(annotation)
        return text.startswith(("ClassVar", "typing.ClassVar", "t.ClassVar"))

    def _fields(cls):
        """The record's fields, inherited ones first (as dataclasses orders them)."""
        found = {}
        for base in reversed(cls.__mro__[1:]):
            for f in getattr(base, "__record_fields__", ()):
                found[f.name] = f
        for name, annotation in cls.__dict__.get("__annotations__", {}).items():  # noqa: RUF063 (no inspect)
            if _is_classvar(annotation):
                continue
            value = cls.__dict__.get(name, MISSING)
            f = value if isinstance(value, Field) else Field(value, MISSING, True, True)
            f.name = name
            if isinstance(value, Field):
                if f.default is MISSING:
                    delattr(cls, name)
                else:
                    setattr(cls, name, f.default)
            found[name] = f
        return list(found.values())

    def _init(fields, frozen, has_post_init):
        env = {"MISSING": MISSING, "_setattr": object.__setattr__}
        params, body = [], []
        for f in fields:
            if f.default_factory is not MISSING:
                env[f"_f_{f.name}"] = f.default_factory
                params.append(f"{f.name}=MISSING")
                value = f"_f_{f.name}() if {f.name} is MISSING else {f.name}"
            else:
                if f.default is not MISSING:
                    env[f"_d_{f.name}"] = f.default
                    params.append(f"{f.name}=_d_{f.name}")
                else:
                    params.append(f.name)
                value = f.name
            body.append(
                f"_setattr(self, {f.name!r}, {value})" if frozen else f"self.{f.name} = {value}"
            )
        if has_post_init:
            body.append("self.__post_init__()")
        source = f"def __init__(self, {', '.join(params)}):\n " + "\n ".join(body or ["pass"])
        exec(source, env)
        return env["__init__"]

    def _methods(cls, fields, frozen):
        names = tuple(f.name for f in fields if f.compare)
        shown = tuple(f.name for f in fields if f.repr)
        hashed = tuple(f.name for f in fields if (f.compare if f.hash is None else f.hash))

        def __repr__(self):
            inner = ", ".join(f"{n}={getattr(self, n)!r}" for n in shown)
            return f"{self.__class__.__qualname__}({inner})"

        def __eq__(self, other):
            if other.__class__ is not self.__class__:
                return NotImplemented
            return tuple(getattr(self, n) for n in names) == tuple(getattr(other, n) for n in names)

        def __hash__(self):
            return hash(tuple(getattr(self, n) for n in hashed))

        all_names = frozenset(f.name for f in fields)

        def __setattr__(self, name, value):
            if type(self) is cls or name in all_names:
                raise FrozenInstanceError(f"cannot assign to field {name!r}")
            super(cls, self).__setattr__(name, value)

        def __delattr__(self, name):
            if type(self) is cls or name in all_names:
                raise FrozenInstanceError(f"cannot delete field {name!r}")
            super(cls, self).__delattr__(name)

        own = cls.__dict__
        methods = {"__repr__": __repr__, "__eq__": __eq__}
        if frozen:
            methods |= {"__setattr__": __setattr__, "__delattr__": __delattr__}
        for name, method in methods.items():
            if name not in own:
                method.__qualname__ = f"{cls.__qualname__}.{name}"
                setattr(cls, name, method)
        explicit = "__hash__" in own and not (own["__hash__"] is None and "__eq__" in own)
        if not explicit:  # the rule of dataclasses (eq=True): frozen hashes, else unhashable
            cls.__hash__ = __hash__ if frozen else None

    def _with_slots(cls, fields, frozen):
        names = tuple(f.name for f in fields)
        inherited = {s for base in cls.__mro__[1:-1] for s in base.__dict__.get("__slots__", ())}
        body = dict(cls.__dict__)
        body["__slots__"] = tuple(n for n in names if n not in inherited)
        for name in (*names, "__dict__", "__weakref__"):
            body.pop(name, None)
        if frozen:

            def __getstate__(self):
                return [getattr(self, n) for n in names]

            def __setstate__(self, state):
                for n, value in zip(names, state, strict=True):
                    object.__setattr__(self, n, value)

            body |= {"__getstate__": __getstate__, "__setstate__": __setstate__}
        new = type(cls)(cls.__name__, cls.__bases__, body)
        new.__qualname__ = cls.__qualname__
        return new

    def dataclass(cls=None, /, *, frozen=False, slots=False):
        def wrap(cls):
            fields = _fields(cls)
            if slots:
                cls = _with_slots(cls, fields, frozen)
            cls.__record_fields__ = fields
            if "__init__" not in cls.__dict__:
                has_post = hasattr(cls, "__post_init__")
                cls.__init__ = _init(fields, frozen, has_post)
                cls.__init__.__qualname__ = f"{cls.__qualname__}.__init__"
            _methods(cls, fields, frozen)
            cls.__match_args__ = tuple(f.name for f in fields)
            return cls

        return wrap if cls is None else wrap(cls)
