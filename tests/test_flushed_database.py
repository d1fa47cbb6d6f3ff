"""A worker may run an ordinary test right after a transactional one has flushed the
database (xdist's work stealing does not keep Django's order): the content types and
permissions come back and the content-type cache forgets the old ids."""

from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType

from organisation.models import Department

from .conftest import migration_rows_restore


def test_after_a_flush_content_types_come_back_and_the_cache_forgets_old_ids(db, admin_user):
    stale = ContentType.objects.get_for_model(Department)  # cached, as in a long run
    ContentType.objects.all().delete()  # what the flush left (cascades permissions)
    assert not Permission.objects.exists()

    migration_rows_restore()

    fresh = ContentType.objects.get_for_model(Department)
    assert fresh.pk != stale.pk and ContentType.objects.filter(pk=fresh.pk).exists()
    assert Permission.objects.filter(content_type=fresh).exists()
    LogEntry.objects.create(
        user=admin_user,
        content_type=fresh,
        object_id="1",
        object_repr="x",
        action_flag=ADDITION,
    )
    assert LogEntry.objects.filter(content_type=fresh).count() == 1
