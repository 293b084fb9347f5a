"""A hot lookup's SQL, compiled once per process rather than on every call (issue 27).

Django compiles a queryset to SQL each time it runs. For the query every assessment page
starts with (`access.assessment_for`: an assessment by its UUID, with its country and its
cycle's sharing choice) compiling took 0.45 ms of its 0.71 ms, more than PostgreSQL took to
run it. `CompiledLookup` compiles the queryset once per database, with a placeholder value in
place of the one looked up, and then runs that same SQL with each value in its place; each
value is converted as the compiler chose (Django's own iteration does the same, with the
connection in use), and the row is made into the model and its one related model with
`Model.from_db`. The queryset stays the one place of the rule
(`with_cycle_sharing`): nothing here restates it.

`tests/test_compiled.py` compares every field with the ORM's answer on SQLite and PostgreSQL,
and the sharing state machine does so in every state it reaches.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connections
from django.db.models import Field, Model, QuerySet

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    at: int  # where the looked-up value goes in `params`
    own: int  # how many columns are the model's own fields; then the annotations, the related
    annotations: dict[str, int]  # name -> column
    # column -> the database's and the fields' conversions of its value, and its expression
    converters: list[tuple[int, tuple[list[Any], Any]]]


def _converted(row: Any, converters: list[Any], connection: Any) -> list[Any]:
    """A row's values, each converted as the compiler chose (as Django's own iteration does)."""
    values = list(row)
    for column, (conversions, expression) in converters:
        for convert in conversions:
            values[column] = convert(values[column], expression, connection)
    return values


class CompiledLookup(Generic[M]):
    """`queryset.get(<field>=value)` or None, with the SQL compiled once per database.

    The queryset may annotate and may follow one foreign key (`select_related`); the columns
    must come as Django writes them today (the model's fields, the annotations, the related
    model's fields), which `_compile` checks, so that a Django that writes them otherwise
    fails loudly rather than filling the wrong attributes."""

    def __init__(self, queryset: QuerySet[M], field: str, placeholder: Any, related: str):
        self.queryset = queryset.order_by()
        self.field: Field[Any, Any] = queryset.model._meta.get_field(field)  # type: ignore[assignment]
        self.placeholder = placeholder
        self.related: Field[Any, Any] = queryset.model._meta.get_field(related)  # type: ignore[assignment]
        self.other: type[Model] = self.related.related_model  # type: ignore[assignment]
        self._compiled: dict[str, _Compiled] = {}

    def _compile(self, alias: str) -> _Compiled:
        query = self.queryset.filter(**{self.field.name: self.placeholder}).query
        compiler = query.get_compiler(alias)
        sql, params = compiler.as_sql()
        prepared = self.field.get_db_prep_value(self.placeholder, connections[alias])
        at = [n for n, p in enumerate(params) if p == prepared]
        own = list(self.queryset.model._meta.concrete_fields)
        other = list(self.other._meta.concrete_fields)
        layout = [getattr(expression, "target", None) for expression, _, _ in compiler.select]
        if len(at) != 1 or layout != own + [None] * len(compiler.annotation_col_map) + other:
            raise RuntimeError(f"cannot compile {query} once: its columns or values moved")
        converters = compiler.get_converters([s[0] for s in compiler.select[: compiler.col_count]])
        return _Compiled(
            sql,
            tuple(params),
            at[0],
            len(own),
            dict(compiler.annotation_col_map),
            list(converters.items()),
        )

    def get(self, value: Any) -> M | None:
        alias = self.queryset.db
        compiled = self._compiled.get(alias)
        if compiled is None:
            compiled = self._compiled[alias] = self._compile(alias)
        connection = connections[alias]
        params = list(compiled.params)
        params[compiled.at] = self.field.get_db_prep_value(value, connection)
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        if not rows:
            return None
        row = _converted(rows[0], compiled.converters, connection)
        model = self.queryset.model
        own, after = compiled.own, compiled.own + len(compiled.annotations)
        instance = model.from_db(alias, [f.attname for f in model._meta.concrete_fields], row[:own])
        for name, column in compiled.annotations.items():
            setattr(instance, name, row[column])
        other = self.other.from_db(
            alias, [f.attname for f in self.other._meta.concrete_fields], row[after:]
        )
        self.related.set_cached_value(instance, other)  # type: ignore[attr-defined]
        return instance


class CompiledQuery(Generic[M]):
    """The rows of a queryset of one model, its SQL compiled once per database with placeholder
    values in the place of those given on each call: `run(a, b)` is `list(queryset)` with the
    placeholders `a`' and `b`' replaced by `a` and `b`, in their order.

    The queryset may filter, order, slice and defer fields (`only`), and follows no relation.
    Each placeholder must be a value the database takes as it is (a string or an integer, a
    value nothing else in the query has), found once among the compiled parameters, which
    `_compile` checks with the columns' layout, as `CompiledLookup` does."""

    def __init__(self, queryset: QuerySet[M], *placeholders: str | int):
        self.queryset = queryset
        self.placeholders = placeholders
        self._compiled: dict[str, tuple[str, list[Any], list[int], list[str], list[Any]]] = {}

    def _compile(self, alias: str) -> tuple[str, list[Any], list[int], list[str], list[Any]]:
        compiler = self.queryset.query.get_compiler(alias)
        try:
            sql, params = compiler.as_sql()
        except (EmptyResultSet, FullResultSet) as error:  # a placeholder out of a field's range
            name = self.queryset.model.__name__
            raise RuntimeError(f"cannot compile this {name} query once") from error
        at = [
            [n for n, p in enumerate(params) if not isinstance(p, bool) and p == value]
            for value in self.placeholders
        ]
        fields = [getattr(expression, "target", None) for expression, _, _ in compiler.select]
        model = self.queryset.model
        in_order = [f for f in model._meta.concrete_fields if f in fields]
        if (
            fields != in_order  # `Model.from_db` takes the values in the fields' order
            or any(len(found) != 1 for found in at)
            or compiler.annotation_col_map
            or compiler.klass_info is None
            or compiler.klass_info.get("related_klass_infos")
            or not all(f is not None and f.model is model for f in fields)
        ):
            raise RuntimeError(f"cannot compile {self.queryset.query} once: see CompiledQuery")
        converters = compiler.get_converters([s[0] for s in compiler.select])
        names = [f.attname for f in fields]
        return sql, list(params), [found[0] for found in at], names, list(converters.items())

    def run(self, *values: str | int) -> list[M]:
        alias = self.queryset.db
        compiled = self._compiled.get(alias)
        if compiled is None:
            compiled = self._compiled[alias] = self._compile(alias)
        sql, params, at, names, converters = compiled
        params = params.copy()
        for n, value in zip(at, values, strict=True):
            params[n] = type(params[n])(value)  # as the compiler wrapped it (psycopg's Int2)
        connection = connections[alias]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        model = self.queryset.model
        return [model.from_db(alias, names, _converted(r, converters, connection)) for r in rows]
