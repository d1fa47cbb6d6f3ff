from tests.certificates.conftest import levels  # noqa: F401 (a fixture)
