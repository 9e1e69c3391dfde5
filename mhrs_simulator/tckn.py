"""T.C. Kimlik No checksum (docs/mhrs-domain.md §7), written here independently of the addon."""


def is_valid(value):
    text = str(value or "")
    if len(text) != 11 or not text.isdigit() or text[0] == "0":
        return False
    d = [int(c) for c in text]
    d10 = (7 * sum(d[0:9:2]) - sum(d[1:8:2])) % 10
    d11 = sum(d[:10]) % 10
    return d[9] == d10 and d[10] == d11


def generate(rng):
    """A random valid TCKN (``rng`` is a ``random.Random`` so callers get reproducible citizens)."""
    d = [rng.randint(1, 9)] + [rng.randint(0, 9) for _ in range(8)]
    d.append((7 * sum(d[0:9:2]) - sum(d[1:8:2])) % 10)
    d.append(sum(d) % 10)
    return "".join(str(x) for x in d)
