"""SIREN numbers for tests: the Luhn check, computed here independently of hdsgraph."""


def luhn_valid(number: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(number)):
        digit = int(char) * (2 if position % 2 else 1)
        total += digit - 9 if digit > 9 else digit
    return total % 10 == 0


def luhn_siren(seed: int) -> str:
    """The first valid SIREN at or after the 8-digit prefix of ``seed``."""
    prefix = f"{seed:09d}"[:8]
    return next(prefix + str(d) for d in range(10) if luhn_valid(prefix + str(d)))
