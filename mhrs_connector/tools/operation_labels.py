"""What users read for an MHRS operation: the directive's row and Turkish name, never the client's
method name (call log, retry banners, to-dos, warnings)."""

from ..wire import OPERATIONS


def operation_selection(_model=None):
    """The MHRS operations, labelled as the directive's table names them (row, Turkish name); the
    supporting operations the real service needs by their Turkish name; the REST login."""
    labels = [(key, f"{op.row}. {op.name_tr}" if op.row else op.name_tr) for key, op in OPERATIONS.items()]
    return [*labels, ("login", "Oturum Açma (login)")]


def operation_label(operation):
    """The label of one operation (its key when unknown)."""
    return dict(operation_selection()).get(operation, operation)
