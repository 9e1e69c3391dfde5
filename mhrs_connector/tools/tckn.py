"""T.C. Kimlik No (Turkish national id) checksum, as MHRS validates it (docs/mhrs-domain.md §7)."""


def is_valid_tckn(value):
    """Return True when ``value`` is an 11-digit TCKN whose two check digits are right."""
    text = str(value or "").strip()
    if len(text) != 11 or not text.isdigit() or text[0] == "0":
        return False
    digits = [int(c) for c in text]
    odd = sum(digits[0:9:2])
    even = sum(digits[1:8:2])
    # Python's % is already non-negative, which the algorithm needs for the d10 term.
    return (7 * odd - even) % 10 == digits[9] and sum(digits[:10]) % 10 == digits[10]
