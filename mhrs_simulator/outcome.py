"""What a wire handler (REST or G2) hands back to the HTTP server for one request."""

from dataclasses import dataclass, field


@dataclass
class Outcome:
    status: int
    body: bytes
    operation: str | None = None
    ok: bool = False
    issue: str | None = None  # MHRS error code of a refusal
    response_errors: list = field(default_factory=list)  # answer not valid against the contract (G2)
