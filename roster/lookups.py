"""`field__any_of=[...]`: `field = ANY(%s)` with the whole list as one array parameter.

On PostgreSQL an `__in` with thousands of values becomes thousands of placeholders that
the driver splits and quotes one by one; one array parameter costs nothing. Used through
`in_filter()`, which falls back to `__in` on other databases.
"""

from django.db import connection
from django.db.models import CharField, Lookup


@CharField.register_lookup
class AnyOf(Lookup):
    lookup_name = "any_of"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        return ("%s", [list(value)])

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", [*lhs_params, *rhs_params]


def in_filter(field: str, values: list) -> dict:
    lookup = "any_of" if connection.vendor == "postgresql" else "in"
    return {f"{field}__{lookup}": values}
