"""One-time initial passwords made in bulk (a roster import makes tens of thousands)
are as good as those made one at a time: the right length and alphabet, different
from each other, and their hashes verify with the initial-code hasher."""

from django.contrib.auth.hashers import check_password, get_hasher

from accounts.services import (
    _CODE_ALPHABET,
    INITIAL_CODE_LENGTH,
    initial_code_generate,
    initial_codes_generate,
    initial_password_hash,
    initial_password_hashes,
)


def test_codes_made_in_bulk_have_the_length_and_alphabet_of_single_codes():
    codes = initial_codes_generate(2_000)
    assert len(codes) == 2_000
    assert len(set(codes)) == 2_000
    assert all(len(code) == INITIAL_CODE_LENGTH for code in codes)
    assert set("".join(codes)) <= set(_CODE_ALPHABET)
    single = initial_code_generate()
    assert len(single) == INITIAL_CODE_LENGTH and set(single) <= set(_CODE_ALPHABET)


def test_every_character_of_the_alphabet_is_used():
    assert set("".join(initial_codes_generate(2_000))) == set(_CODE_ALPHABET)


def test_no_codes_asked_none_made():
    assert initial_codes_generate(0) == []
    assert initial_password_hashes([]) == []


def test_bulk_hashes_verify_and_match_the_single_hash_format():
    codes = initial_codes_generate(3)
    hashes = initial_password_hashes(codes)
    assert len(set(hashes)) == 3
    hasher = get_hasher("initial_hmac_sha256")
    for code, encoded in zip(codes, hashes, strict=True):
        assert encoded.startswith("initial_hmac_sha256$")
        assert check_password(code, encoded)
        assert not check_password(code + "x", encoded)
        salt = hasher.decode(encoded)["salt"]
        assert len(salt) == 22
        assert hasher.encode(code, salt) == encoded
    assert initial_password_hash(codes[0]).split("$")[0] == "initial_hmac_sha256"
