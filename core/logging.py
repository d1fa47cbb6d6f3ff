"""Logging filter that masks anything shaped like a national ID number."""

import logging
import re

ID_NUMBER_PATTERN = re.compile(r"(?<![0-9A-Za-z])(\d{3})\d{11}(\d{3}[0-9Xx])(?![0-9A-Za-z])")


def mask_id_numbers_in_text(text: str) -> str:
    """Replace every 18-character ID-number-shaped token by its masked form."""
    return ID_NUMBER_PATTERN.sub(lambda m: f"{m.group(1)}{'*' * 11}{m.group(2).upper()}", text)


class MaskIdNumbersFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_id_numbers_in_text(message)
        if masked != message:
            record.msg = masked
            record.args = None
        return True
