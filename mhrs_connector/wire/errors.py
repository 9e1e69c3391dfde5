"""Typed errors of the wire layer, with English messages (the model layer translates them for users).

The wire only classifies; the caller decides between a message, a retry and a to-do:

- ``MhrsTransportError``: not answered (timeout, refused or dropped connection, HTTP 5xx/503,
  a second 401): ``retryable`` says whether trying again later makes sense.
- ``MhrsBusinessError``: MHRS answered and refused (REST ``errors[].kodu/mesaj``, G2
  ``ServisBasarisi=false`` + ``Aciklama``): ``code`` and ``text`` are MHRS's own.
- ``MhrsMalformedResponse``: an answer that cannot be used (not JSON/XML, truncated, too large, wrong
  types, missing fields, DTD/entities).
- ``MhrsNotAvailable``: the chosen interface has no known counterpart for the operation.

No error text ever contains a password or a token: messages are built from codes, statuses and MHRS's
answer texts only.
"""


class MhrsError(Exception):
    """Base of every wire error."""

    retryable = False
    state = "error"

    def __init__(self, message="", code=None, text=None):
        super().__init__(message or text or code or self.__class__.__name__)
        self.code = code
        self.text = text if text is not None else message


class MhrsTransportError(MhrsError):
    """MHRS did not answer usefully; worth retrying later unless ``retryable`` is False."""

    retryable = True
    state = "transport_error"

    def __init__(self, message="", code="TRANSPORT", status_code=None, retryable=True):
        super().__init__(message, code=code, text=message)
        self.status_code = status_code
        self.retryable = retryable


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
