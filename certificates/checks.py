"""System checks: the certificate fonts must be installed (else every certificate
would be refused by the glyph check)."""

from django.core.checks import Warning, register

from .glyphs import FONT_FAMILIES, _font_location


@register(deploy=True)
def check_certificate_fonts(app_configs=None, **kwargs):
    missing = [family for family in FONT_FAMILIES if _font_location(family) is None]
    if not missing:
        return []
    return [
        Warning(
            f"Certificate font(s) not installed: {', '.join(missing)}.",
            hint="Install Debian's fonts-noto-cjk (and libharfbuzz-subset0).",
            id="certificates.W001",
        )
    ]
