"""The error preview leads on: download the marked sheet, then upload the corrected file."""

from django.urls import reverse

from roster.models import ImportStatus, RosterImport

from .files import person, upload, xlsx


def test_the_error_preview_offers_the_corrected_upload(client, city, coordinator_a):
    client.force_login(coordinator_a)
    data = xlsx([person(), person(id_number=360102197001011234)])
    client.post(reverse("roster:upload"), {"file": upload(data, "roster.xlsx")})
    record = RosterImport.objects.get()
    assert record.status == ImportStatus.INVALID
    page = client.get(reverse("roster:detail", args=[record.public_id])).text
    assert "上传改正后的文件" in page
    assert f'href="{reverse("roster:upload")}"' in page
