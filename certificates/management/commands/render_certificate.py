from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from certificates.models import Certificate
from certificates.pdf import render_certificate_pdf


class Command(BaseCommand):
    help = "Write one certificate's PDF to a file."

    def add_arguments(self, parser):
        parser.add_argument("number", help="certificate number")
        parser.add_argument("--out", required=True, help="output PDF file")

    def handle(self, *args, number, out, **options):
        certificate = (
            Certificate.objects.select_related("level").filter(number=number.strip()).first()
        )
        if certificate is None:
            raise CommandError(f"No certificate with number {number}.")
        try:
            pdf = render_certificate_pdf(certificate)
        except ValidationError as exc:
            raise CommandError(exc.messages[0]) from None
        Path(out).write_bytes(pdf)
        self.stdout.write(f"{out}: {len(pdf):,} bytes")
