"""Fast inserts for large imports.

On PostgreSQL rows go in with COPY, their ids drawn first from the table's sequence
(`nextval` over `generate_series`), so the caller gets the new pks back in order.
Elsewhere (SQLite in development and tests) this falls back to `bulk_create`.
Columns the caller does not give get the model field's default, as `Model()` would.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Model


def insert_rows(model: type[Model], rows: list[dict]) -> list[int]:
    """Insert rows given as {attname: value}; return the new primary keys in order."""
    if not rows:
        return []
    if connection.vendor != "postgresql":
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
            for pk_value, row in zip(ids, rows, strict=True):
                values = [pk_value]
                for name in attnames:
                    if name in row:
                        values.append(row[name])
                    else:
                        default = defaults[name]
                        values.append(default() if callable(default) else default)
                copy.write_row(values)
    return ids
