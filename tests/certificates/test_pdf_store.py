"""Certificate PDFs are rendered once and stored (issue 18, item 7): a download reads the
stored file while nothing printed on it has changed, and renders again when something
has (the stored file is then replaced)."""

import io

import pytest
from django.core.files.storage import default_storage
from pypdf import PdfReader

from certificates.models import Certificate
from certificates.services import certificate_pdf_get

from ..factories import make_user_with_role
from .helpers import issued_certificate


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def certificate(city, levels):
    return issued_certificate(city.township_a1, levels[4], name="欧阳晓明")


def _text(pdf: bytes) -> str:
    return PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


def test_the_first_download_stores_the_pdf_and_the_next_reads_it(certificate):
    pdf = certificate_pdf_get(certificate=certificate)
    assert "欧阳晓明" in _text(pdf)
    stored = Certificate.objects.get(pk=certificate.pk)
    assert stored.pdf.name.startswith(f"certificates/pdf/{certificate.public_id}-")
    assert len(stored.pdf_fingerprint) == 64
    with stored.pdf.open("rb") as handle:
        assert handle.read() == pdf
    # Mark the stored file: the next download returns it as stored, not a new render.
    marked = pdf + b"\n% stored\n"
    with default_storage.open(stored.pdf.name, "wb") as handle:
        handle.write(marked)
    assert certificate_pdf_get(certificate=stored) == marked


def test_a_change_to_what_is_printed_renders_again_and_replaces_the_file(certificate):
    certificate_pdf_get(certificate=certificate)
    first = Certificate.objects.get(pk=certificate.pk)
    Certificate.objects.filter(pk=certificate.pk).update(holder_name="欧阳晓华")
    changed = Certificate.objects.select_related("level").get(pk=certificate.pk)
    pdf = certificate_pdf_get(certificate=changed)
    assert "欧阳晓华" in _text(pdf)
    latest = Certificate.objects.get(pk=certificate.pk)
    assert latest.pdf_fingerprint != first.pdf_fingerprint
    assert latest.pdf.name != first.pdf.name
    assert not default_storage.exists(first.pdf.name)  # the old file is gone


def test_a_lost_file_is_rendered_again(certificate):
    certificate_pdf_get(certificate=certificate)
    stored = Certificate.objects.get(pk=certificate.pk)
    default_storage.delete(stored.pdf.name)
    assert "欧阳晓明" in _text(certificate_pdf_get(certificate=stored))
    assert default_storage.exists(Certificate.objects.get(pk=certificate.pk).pdf.name)


def test_the_download_page_serves_the_stored_pdf_in_few_queries(
    client, city, certificate, django_assert_max_num_queries
):
    coordinator = make_user_with_role("coordinator", city.county_a)
    client.force_login(coordinator)
    url = f"/certificates/c/{certificate.public_id}/pdf/"
    first = client.get(url)
    assert first.status_code == 200 and first["Content-Type"] == "application/pdf"
    with django_assert_max_num_queries(8):
        again = client.get(url)
    assert again.content == first.content
    assert "欧阳晓明" in _text(again.content)


def test_an_issued_certificate_has_its_pdf_stored_in_the_background(
    city, levels, settings, django_capture_on_commit_callbacks
):
    settings.CERTIFICATE_PDF_PRERENDER = True  # the test settings turn it off
    with django_capture_on_commit_callbacks(execute=True):
        certificate = issued_certificate(city.township_a2, levels[4], name="司马相如")
    stored = Certificate.objects.get(pk=certificate.pk)
    assert stored.pdf and len(stored.pdf_fingerprint) == 64
    with stored.pdf.open("rb") as handle:
        assert "司马相如" in _text(handle.read())
    # The download reads that file.
    assert certificate_pdf_get(certificate=stored) == stored.pdf.open("rb").read()
