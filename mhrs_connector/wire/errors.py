"""Typed errors of the wire layer, with English messages (the model layer translates them for users).

The wire only classifies; the caller decides between a message, a retry and a to-do:

- ``MhrsTransportError``: not answered (timeout, refused or dropped connection, HTTP 5xx/503,
  a second 401): ``retryable`` says whether trying again later makes sense.
- ``MhrsBusinessError``: MHRS answered and refused (REST ``errors[].kodu/mesaj``, G2
  ``ServisBasarisi=false`` + ``Aciklama``): ``code`` and ``text`` are MHRS's own.
- ``MhrsMalformedResponse``: an answer that cannot be used (not JSON/XML, truncated, too large, wrong
  types, missing fields, DTD/entities).
- ``MhrsNotAvailable``: the chosen interface has no known counterpart for the operation.

``maybe_applied`` says whether MHRS may have carried the request out although Odoo got no usable answer
(timeouts, dropped connections, truncated or unreadable answers, HTTP 500): then an operation that creates
something must not be resent blindly. It is False when MHRS surely did nothing: a refused connection,
502/503/504 (gateway or overload, before any work), 401, a business refusal.

No error text ever contains a password or a token: messages are built from codes, statuses and MHRS's
answer texts only.
"""

# HTTP statuses with which MHRS (or its gateway) answers before doing anything.
NOT_APPLIED_STATUSES = (401, 502, 503, 504)


class MhrsError(Exception):
    """Base of every wire error."""

    retryable = False
    state = "error"
    maybe_applied = False

    def __init__(self, message="", code=None, text=None):
        super().__init__(message or text or code or self.__class__.__name__)
        self.code = code
        self.text = text if text is not None else message


class MhrsTransportError(MhrsError):
    """MHRS did not answer usefully; worth retrying later unless ``retryable`` is False."""

    retryable = True
    state = "transport_error"

    def __init__(self, message="", code="TRANSPORT", status_code=None, retryable=True, maybe_applied=None):
        super().__init__(message, code=code, text=message)
        self.status_code = status_code
        self.retryable = retryable
        if maybe_applied is None:
            maybe_applied = status_code not in NOT_APPLIED_STATUSES
        self.maybe_applied = maybe_applied


class MhrsAuthError(MhrsTransportError):
    """Login refused or the token refused again right after a fresh login: not retryable unchanged."""

    state = "transport_error"

    def __init__(self, message="MHRS refused the credentials", status_code=401):
        super().__init__(message, code="AUTH", status_code=status_code, retryable=False)


class MhrsBusinessError(MhrsError):
    """MHRS refused the request; retrying it unchanged will not help."""

    state = "business_error"

    def __init__(self, code, text="", issues=None):
        super().__init__(f"{code}: {text}" if text else str(code), code=code, text=text)
        self.issues = list(issues or [(code, text)])  # every (code, text) MHRS returned


class MhrsMalformedResponse(MhrsError):
    """The answer could not be used."""

    state = "malformed"
    maybe_applied = True  # MHRS answered something: what it did is unknown

    def __init__(self, message="", code="MALFORMED"):
        super().__init__(message, code=code, text=message)


class MhrsNotAvailable(MhrsError):
    """The operation has no known counterpart on the chosen interface (docs/contract.md)."""

    state = "error"

    def __init__(self, operation, wire):
        super().__init__(
            f"{operation} is not available over {'MHRS V2 (REST)' if wire == 'rest' else 'SOAP G2'}",
            code="NOT_AVAILABLE",
        )
        self.operation = operation
        self.wire = wire
