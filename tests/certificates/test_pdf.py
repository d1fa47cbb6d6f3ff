"""The certificate PDF: text, embedded fonts, QR code, no silent tofu, restricted fetching."""

import io
import shutil
import subprocess
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import override_settings
from pypdf import PdfReader

from certificates.models import BundleStatus, CertificateBundle
from certificates.pdf import _get_engine, render_certificate_pdf, verification_url
from certificates.services import bundle_request

from ..factories import StaffFactory
from .helpers import issued_certificate


@pytest.fixture
def certificate(city, levels):
    return issued_certificate(city.township_a1, levels[4], name="欧阳晓明")


def _fonts(reader: PdfReader) -> list[dict]:
    found = []
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            target = descendants[0].get_object() if descendants else font
            found.append(target["/FontDescriptor"].get_object())
    return found


def test_the_pdf_holds_the_name_number_and_level_with_embedded_fonts(certificate):
    pdf = render_certificate_pdf(certificate)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert float(box.width) > float(box.height)  # A4 landscape
    text = reader.pages[0].extract_text()
    assert "职业技能等级证书" in text.replace(" ", "")  # letter-spaced title
    for expected in ("欧阳晓明", certificate.number, "四级/中级工", "行政办事员"):
        assert expected in text
    descriptors = _fonts(reader)
    assert descriptors
    assert all("/FontFile2" in d or "/FontFile3" in d for d in descriptors)
    assert any("Noto-Serif-CJK-SC" in str(d["/FontName"]) for d in descriptors)
    assert len(pdf) < 300_000


@override_settings(CERTIFICATE_PUBLIC_BASE_URL="https://cert.example.gov.cn/")
@pytest.mark.skipif(not shutil.which("zbarimg"), reason="zbar-tools not installed")
def test_the_qr_code_decodes_to_the_public_verification_url(certificate, tmp_path):
    url = verification_url(certificate)
    assert url == f"https://cert.example.gov.cn/certificates/v/{certificate.verification_code}/"
    (tmp_path / "c.pdf").write_bytes(render_certificate_pdf(certificate))
    subprocess.run(  # noqa: S603
        [
            shutil.which("pdftoppm"),
            "-png",
            "-r",
            "150",
            "-singlefile",
            tmp_path / "c.pdf",
            tmp_path / "page",
        ],
        check=True,
    )
    out = subprocess.run(  # noqa: S603
        [shutil.which("zbarimg"), "--quiet", "--raw", tmp_path / "page.png"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert out == url


def test_rendering_refuses_a_name_the_font_cannot_print(certificate):
    certificate.holder_name = "王𪚥"
    with pytest.raises(ValidationError) as exc:
        render_certificate_pdf(certificate)
    assert "𪚥" in exc.value.messages[0]


def test_the_fetcher_only_allows_data_and_the_static_directory(settings):
    fetcher, fonts = _get_engine()
    assert _get_engine()[0] is fetcher and _get_engine()[1] is fonts  # reused
    for url in (
        "http://example.com/x.png",
        "https://example.com/x.css",
        "file:///etc/passwd",
        f"file://{settings.BASE_DIR}/config/settings/base.py",
        "ftp://example.com/x",
    ):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    ok = fetcher.fetch(f"file://{settings.BASE_DIR}/static/css/app.css")
    assert ok is not None
    assert fetcher.fetch("data:text/plain,hello") is not None


def test_render_certificate_command_writes_the_pdf(certificate, tmp_path):
    out = tmp_path / "one.pdf"
    call_command("render_certificate", certificate.number, "--out", str(out))
    assert out.read_bytes().startswith(b"%PDF")
    with pytest.raises(CommandError):
        call_command("render_certificate", "NOPE", "--out", str(out))


def test_a_units_certificates_are_bundled_as_a_zip(
    city, levels, coordinator_a, django_capture_on_commit_callbacks
):
    first = issued_certificate(city.township_a1, levels[5])
    second = issued_certificate(city.township_a2, levels[4])
    issued_certificate(city.township_b1, levels[5])  # another county: not included
    rare = issued_certificate(city.township_a1, levels[5])
    rare.holder_name = "王𪚥"
    rare.save()
    with django_capture_on_commit_callbacks(execute=True):
        bundle = bundle_request(department=city.county_a, acting_user=coordinator_a)
    bundle = CertificateBundle.objects.get(pk=bundle.pk)
    assert bundle.status == BundleStatus.READY
    assert bundle.count == 2
    with zipfile.ZipFile(bundle.file.open("rb")) as archive:
        names = archive.namelist()
    assert sorted(n.split("-")[0] for n in names if n.endswith(".pdf")) == sorted(
        [first.number, second.number]
    )
    assert "not-printed.txt" in names


def test_a_photo_is_validated_and_printed(city, levels):
    from io import BytesIO

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from certificates.services import certificate_issue

    from .helpers import passed_assessment

    buffer = BytesIO()
    Image.new("RGB", (60, 80), (200, 30, 30)).save(buffer, format="PNG")
    staff = StaffFactory(department=city.township_a1)
    with pytest.raises(ValidationError):
        certificate_issue(
            assessment=passed_assessment(staff, levels[5]),
            photo=SimpleUploadedFile("x.png", b"<svg onload=alert(1)>"),
        )
    certificate = certificate_issue(
        assessment=passed_assessment(staff, levels[4]),
        photo=SimpleUploadedFile("me.png", buffer.getvalue()),
    )
    reader = PdfReader(io.BytesIO(render_certificate_pdf(certificate)))
    assert len(reader.pages[0].images) >= 1


def test_the_font_check_passes_here():
    from certificates.checks import check_certificate_fonts

    assert check_certificate_fonts() == []
