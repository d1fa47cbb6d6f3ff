"""Fast inserts for large imports and prepared exam papers.

On PostgreSQL rows go in with COPY, their ids drawn first from the table's sequence
(`nextval` over `generate_series`), so the caller gets the new pks back in order.
On SQLite (the embedded default) they go in with one `executemany` INSERT, the ids
following the table's largest: the caller's transaction holds SQLite's write lock
(`transaction_mode` IMMEDIATE), so no other writer can take them in between; values
are adapted per column type as Django would (UUIDs as hex, datetimes and dates through
the backend's adapters). Elsewhere this falls back to `bulk_create`.
Columns the caller does not give get the model field's default, as `Model()` would.
"""

from __future__ import annotations

import json

from django.db import connection
from django.db.models import Model


def insert_rows(model: type[Model], rows: list[dict]) -> list[int]:
    """Insert rows given as {attname: value}; return the new primary keys in order."""
    if not rows:
        return []
    if connection.vendor not in ("postgresql", "sqlite"):
        return [obj.pk for obj in model.objects.bulk_create([model(**row) for row in rows])]
    meta = model._meta
    pk = meta.pk
    fields = [f for f in meta.concrete_fields if f is not pk]
    given = set(rows[0])
    defaults: dict[str, object] = {}
    for f in fields:
        if f.attname not in given:
            defaults[f.attname] = (
                f.default if f.has_default() and callable(f.default) else (f.get_default())
            )
    attnames = [f.attname for f in fields]
    if connection.vendor == "sqlite":
        return _insert_sqlite(model, fields, rows, defaults)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(c) for c in [pk.column, *(f.column for f in fields)])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, pk.column, len(rows)],
        )
        ids = [row[0] for row in cursor.fetchall()]
        statement = f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN"
        with cursor.cursor.copy(statement) as copy:
            columns = _columns(attnames, rows, defaults)
            for index, field in enumerate(fields):
                if field.get_internal_type() == "JSONField":
                    # COPY's text format takes the JSON text; a list would be sent
                    # as a PostgreSQL array.
                    columns[index] = [
                        None if value is None else json.dumps(value, cls=field.encoder)
                        for value in columns[index]
                    ]
            for line in zip(ids, *columns, strict=True):
                copy.write_row(line)
    return ids


def _columns(attnames: list[str], rows: list[dict], defaults: dict) -> list[list]:
    """The values of each column, in order: the caller's (every row gives the same
    keys), or the field's default."""
    columns = []
    for name in attnames:
        if name not in defaults:
            columns.append([row[name] for row in rows])
            continue
        default = defaults[name]
        if callable(default):
            columns.append([default() for _row in rows])
        else:
            columns.append([default] * len(rows))
    return columns


def _sqlite_adapter(field):
    """The function that turns a Python value into what Django stores on SQLite."""
    ops = connection.ops
    kind = field.get_internal_type()
    if kind == "UUIDField":
        return lambda value: value.hex
    if kind == "DateTimeField":
        return _last_value(ops.adapt_datetimefield_value)
    if kind == "DateField":
        return _last_value(ops.adapt_datefield_value)
    if kind == "DecimalField":
        return lambda value: ops.adapt_decimalfield_value(
            value, field.max_digits, field.decimal_places
        )
    if kind == "JSONField":
        # What JSONField stores on SQLite (its text), without the per-value field calls:
        # a prepared exam paper has over a million JSON values.
        return lambda value: json.dumps(value, cls=field.encoder)
    return None


def _last_value(adapt):
    """`adapt`, remembering its last value: an import writes one `now` on every row."""
    last = [object(), None]

    def adapt_same(value):
        if value is not last[0]:
            last[0], last[1] = value, adapt(value)
        return last[1]

    return adapt_same


def _insert_sqlite(model, fields, rows: list[dict], defaults: dict) -> list[int]:
    meta = model._meta
    quote = connection.ops.quote_name
    columns = ", ".join(quote(c) for c in [meta.pk.column, *(f.column for f in fields)])
    marks = ", ".join(["%s"] * (len(fields) + 1))
    adapters = [_sqlite_adapter(f) for f in fields]
    attnames = [f.attname for f in fields]
    with connection.cursor() as cursor:
        # Identifiers only, quoted, from the model's meta; every value is a parameter.
        table, pk_column = quote(meta.db_table), quote(meta.pk.column)
        cursor.execute(f"SELECT COALESCE(MAX({pk_column}), 0) FROM {table}")  # noqa: S608
        first = cursor.fetchone()[0] + 1
        ids = list(range(first, first + len(rows)))
        adapted = []
        for column, adapt in zip(_columns(attnames, rows, defaults), adapters, strict=True):
            if adapt is not None:
                column = [None if value is None else adapt(value) for value in column]
            adapted.append(column)
        values = list(zip(ids, *adapted, strict=True))
        del adapted
        statement = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608
        cursor.executemany(statement, values)
    return ids
