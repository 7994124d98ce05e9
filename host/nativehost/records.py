"""Named tuples for the modules a cold start loads, without importing :mod:`typing`.

A browser may start a host for a single ``hello``, and the import of :mod:`typing` alone
is a fifth of that start. The modules on that path declare their records as subclasses of
:class:`Record`: to a type checker it *is* ``typing.NamedTuple``; at run time it builds the
same kind of tuple subclass (fields by position and name, trailing defaults, methods and
properties from the class body, ``_fields``, ``_replace``, ``_asdict``, equality, hashing,
repr). Modules loaded later (with the HTTP or SQLite stack) use ``typing.NamedTuple``.
"""

from __future__ import annotations

from operator import itemgetter

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any
    from typing import NamedTuple as Record
else:
    _MISSING = object()

    def _new(cls: Any, *args: Any, **kwargs: Any) -> Any:
        fields = cls._fields
        if len(args) > len(fields):
            raise TypeError(f"{cls.__name__} takes {len(fields)} fields, got {len(args)}")
        values = [*args, *(_MISSING,) * (len(fields) - len(args))]
        for name, value in kwargs.items():
            if name not in fields or values[fields.index(name)] is not _MISSING:
                raise TypeError(f"{cls.__name__}: unexpected or repeated field {name!r}")
            values[fields.index(name)] = value
        for index, value in enumerate(values):
            if value is _MISSING:
                values[index] = cls._field_defaults.get(fields[index], _MISSING)
                if values[index] is _MISSING:
                    raise TypeError(f"{cls.__name__}: missing field {fields[index]!r}")
        return tuple.__new__(cls, values)

    class _RecordType(type):
        def __new__(mcs, name: str, bases: tuple[type, ...], namespace: dict[str, Any]) -> Any:
            if not bases:  # Record itself
                return super().__new__(mcs, name, (tuple,), namespace)
            fields = tuple(namespace.get("__annotations__", ()))
            defaults = {f: namespace.pop(f) for f in fields if f in namespace}
            namespace.update({f: property(itemgetter(i)) for i, f in enumerate(fields)})
            namespace.update(__slots__=(), _fields=fields, _field_defaults=defaults,
                             __new__=_new, __match_args__=fields)
            return super().__new__(mcs, name, bases, namespace)

    class Record(metaclass=_RecordType):
        __slots__ = ()

        def __repr__(self) -> str:
            inner = ", ".join(f"{f}={v!r}" for f, v in zip(self._fields, self, strict=True))
            return f"{type(self).__name__}({inner})"

        def _asdict(self) -> dict[str, Any]:
            return dict(zip(self._fields, self, strict=True))

        def _replace(self, **changes: Any) -> Any:
            return type(self)(**{**self._asdict(), **changes})

        def __getnewargs__(self) -> tuple[Any, ...]:
            return tuple(self)

__all__ = ["Record"]
