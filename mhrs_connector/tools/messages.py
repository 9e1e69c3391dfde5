"""The users' words for the wire's typed errors.

The wire (``mhrs_connector/wire``) speaks English and classifies; this table gives each kind and code a
translatable sentence (Turkish in ``i18n/tr.po``). A business refusal is shown with MHRS's own text
(``mesaj`` / ``Aciklama``) as MHRS sent it, in Turkish already, with its code for the support desk.
"""

from odoo.tools.translate import LazyTranslate

from ..wire import errors

_lt = LazyTranslate(__name__)

TRANSPORT = {
    "TIMEOUT": _lt("no answer in time"),
    "CONNECTION": _lt("the connection could not be made or was dropped"),
    "AUTH": _lt("MHRS refused the user name, password or application code"),
    "SOAP-FAULT": _lt("MHRS reported a server fault"),
    "WSDL": _lt("the service description (WSDL) could not be loaded"),
    "TRANSPORT": _lt("communication error"),
}
MALFORMED = {
    "MALFORMED": _lt("the answer does not have the expected form"),
    "MALFORMED-DTD": _lt("the answer contains a forbidden DTD or entity declaration"),
    "MALFORMED-SIZE": _lt("the answer is larger than allowed"),
    "MALFORMED-SCHEMA": _lt("the answer does not match the service schema"),
}
TRANSPORT_MESSAGE = _lt("MHRS could not be reached (%(detail)s).")
MALFORMED_MESSAGE = _lt(
    "The answer from MHRS could not be read (%(detail)s). Please tell the system administrator."
)
NOT_AVAILABLE_MESSAGE = _lt(
    "MHRS has no known service for %(operation)s over %(interface)s; see docs/contract.md. Do it in the "
    "MHRS web application, or ask the Ministry."
)
CONFIG_MESSAGE = _lt(
    "The MHRS settings are incomplete or not numeric: %(detail)s. Complete them in Settings → MHRS."
)
UNEXPECTED_MESSAGE = _lt("The MHRS operation ended with an unexpected error: %(error)s")
INTERFACES = {"rest": _lt("REST (MHRS V2)"), "g2": _lt("SOAP (G2)")}


def _tr(env, term, **values):
    text = term._translate(env.lang or "en_US")
    return text % values if values else text


def user_message(env, exc):
    """A clear sentence, in the user's language, for any wire error."""
    if isinstance(exc, errors.MhrsNotAvailable):
        from ..wire.operations import OPERATIONS

        operation = OPERATIONS.get(exc.operation)
        return _tr(
            env,
            NOT_AVAILABLE_MESSAGE,
            operation=operation.label if operation else exc.operation,
            interface=_tr(env, INTERFACES[exc.wire]) if exc.wire in INTERFACES else exc.wire,
        )
    if isinstance(exc, errors.MhrsBusinessError):
        return (exc.text or exc.code or "").strip() or str(exc.code)
    if isinstance(exc, errors.MhrsTransportError):
        status = getattr(exc, "status_code", None)
        if exc.code in TRANSPORT:
            detail = _tr(env, TRANSPORT[exc.code])
        else:
            detail = _tr(env, TRANSPORT["TRANSPORT"])
        if status and exc.code != "AUTH":
            detail = f"{detail}, HTTP {status}"
        return _tr(env, TRANSPORT_MESSAGE, detail=detail)
    if isinstance(exc, errors.MhrsMalformedResponse):
        return _tr(env, MALFORMED_MESSAGE, detail=_tr(env, MALFORMED.get(exc.code, MALFORMED["MALFORMED"])))
    if isinstance(exc, errors.MhrsError) and exc.code == "CONFIG":
        return _tr(env, CONFIG_MESSAGE, detail=exc.text.split(":", 1)[-1].strip())
    return _tr(env, UNEXPECTED_MESSAGE, error=exc)
