"""factory_boy factories for the organisation and accounts."""

import datetime
import itertools

import factory
from django.contrib.auth import get_user_model

from organisation.crypto import encrypt_id_number, hash_id_number
from organisation.idnumbers import make_id_number, mask_id_number
from organisation.models import Department, DepartmentKind, Role, RoleAssignment, Staff

_sequence = itertools.count(1)


def unique_id_number(region: str = "360102") -> str:
    n = next(_sequence)
    birth = datetime.date(1970, 1, 1) + datetime.timedelta(days=n % 15000)
    return make_id_number(region, birth, n % 1000)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n:05d}")
    first_name = factory.Sequence(lambda n: f"用户{n}")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-42")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class DepartmentFactory(factory.django.DjangoModelFactory):
    """Use `parent=` to create below another unit; without it a new root is made."""

    class Meta:
        model = Department

    code = factory.Sequence(lambda n: f"D{n:05d}")
    name = factory.Sequence(lambda n: f"单位{n}")
    kind = DepartmentKind.TOWNSHIP

    @classmethod
    def _create(cls, model_class, *args, parent=None, **kwargs):
        if parent is None:
            return model_class.objects.add_root(kwargs)
        return Department.objects.add_child(Department.objects.get(pk=parent.pk), kwargs)


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Staff
        exclude = ["id_number"]

    id_number = factory.LazyFunction(unique_id_number)
    name = factory.Sequence(lambda n: f"员工{n}")
    staff_number = factory.Sequence(lambda n: f"S{n:06d}")
    mobile = factory.Sequence(lambda n: f"139{n:08d}")
    department = factory.SubFactory(DepartmentFactory)
    post = "综合窗口受理"
    is_window_staff = True
    id_number_encrypted = factory.LazyAttribute(lambda o: encrypt_id_number(o.id_number))
    id_number_hash = factory.LazyAttribute(lambda o: hash_id_number(o.id_number))
    id_number_masked = factory.LazyAttribute(lambda o: mask_id_number(o.id_number))


def make_user_with_role(role: str, department: Department, **kwargs):
    user = UserFactory(**kwargs)
    RoleAssignment.objects.create(user=user, role=role, department=department)
    if role == Role.ADMINISTRATOR:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return user


def make_learner(department: Department, **kwargs):
    user = UserFactory()
    staff = StaffFactory(department=department, user=user, **kwargs)
    return user, staff


def add_totp(user) -> None:
    """Give a user a TOTP authenticator (administrators need one to use the app)."""
    from allauth.mfa.models import Authenticator

    Authenticator.objects.create(
        user=user, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )
