"""lxml fast path for the large G2 answers; zeep stays the reference and the fallback.

zeep walks its generic XSD model for every element of an answer and builds value objects that
``serialize_object`` turns back into dicts; for the appointment query of a whole hospital day
(``KurumRandevuSorgulamaObjCevap``, thousands of ``KurumRandevuBilgileri``) that dominates the sync.
The decoder here reads the same (already parsed, hardened) answer element with lxml and returns exactly
what zeep + ``serialize_object(target_cls=dict)`` return: every field of the XSD type as a key in schema
order, absent optionals None, empty simple elements None, 0..n fields as lists, xs:int/long as int,
xs:boolean True only for "true"/"1" (zeep's rule), strings as they are.

It is compiled from the shipped ``MHRSServis.xsd`` itself, so it cannot drift from the types zeep uses.
Anything it does not model (an attribute, an unknown or out-of-order element, a missing required field,
a bad number) raises ``FastDecodeError`` and the caller falls back to zeep, which decides.
"""

import threading

from lxml import etree

from .common import PLACEHOLDER_NS, safe_parser

XS = "{http://www.w3.org/2001/XMLSchema}"
# The answers decoded on the fast path (operation -> answer type); the others go through zeep.
FAST_ANSWERS = {"KurumRandevuSorgulamaObj": "KurumRandevuSorgulamaObjCevapType"}

_cache = {}
_cache_lock = threading.Lock()


class FastDecodeError(ValueError):
    """The answer holds something the fast decoder does not model: let zeep decode it."""


def _boolean(text):
    return text in ("true", "1")


def _integer(text):
    try:
        return int(text)
    except ValueError as exc:
        raise FastDecodeError(f"not an integer: {text!r}") from exc


# None: the text as it is (xs:string).
SIMPLE = {"string": None, "int": _integer, "long": _integer, "boolean": _boolean}


def _load_types(xsd_file):
    """{complex type name: [(element name, type name, required, repeated), ...]} of the shipped XSD."""
    with open(xsd_file, "rb") as handle:
        root = etree.fromstring(handle.read(), safe_parser())
    types = {}
    for node in root.iterfind(f"{XS}complexType"):
        fields = []
        for element in node.iterfind(f"{XS}sequence/{XS}element"):
            fields.append(
                (
                    element.get("name"),
                    element.get("type"),
                    element.get("minOccurs", "1") != "0",
                    element.get("maxOccurs", "1") != "1",
                )
            )
        types[node.get("name")] = (fields, node.find(f"{XS}attribute") is not None)
    return types


def _compile(types, type_name, namespace, compiled):
    """The decoder function of one complex type (nested types compiled once, shared)."""
    if type_name in compiled:
        return compiled[type_name]
    fields, has_attributes = types[type_name]
    if has_attributes:
        raise FastDecodeError(f"{type_name} has attributes: not modelled")
    names = [name for name, _type, _required, _repeated in fields]
    required = [name for name, _type, needed, _repeated in fields if needed]
    repeated = [name for name, _type, _required, many in fields if many]
    by_tag = {}

    def decode(element):
        out = dict.fromkeys(names)
        for name in repeated:
            out[name] = []
        last = -1
        for child in element:
            entry = by_tag.get(child.tag)
            if entry is None:  # unknown tag, comment or processing instruction
                raise FastDecodeError(f"unexpected {child.tag!r} in {type_name}")
            name, convert, nested, many, index = entry
            if index < last or (index == last and not many):
                raise FastDecodeError(f"{name} out of schema order in {type_name}")
            last = index
            if nested:
                value = convert(child)
            else:
                if len(child):
                    raise FastDecodeError(f"{name} is not a simple value")
                text = child.text
                # A string is taken as lxml gives it (no call per element).
                value = text if text is None or convert is None else convert(text)
            if many:
                out[name].append(value)
            else:
                out[name] = value
        for name in required:
            if out[name] is None:
                raise FastDecodeError(f"{type_name} without {name}")
        return out

    compiled[type_name] = decode
    for index, (name, xsd_type, _required, many) in enumerate(fields):
        prefix, _colon, local = xsd_type.rpartition(":")
        if prefix == "xs":
            convert, nested = SIMPLE[local], False
        else:
            convert, nested = _compile(types, local, namespace, compiled), True
        tag = f"{{{namespace}}}{name}"
        by_tag[tag] = (name, convert, nested, many, index)
    return decode


def _checked(decode):
    """No attribute anywhere in the answer (xsi:nil and the like are zeep's business): one check in C
    instead of one ``attrib`` proxy per element."""

    def decode_answer(answer):
        if answer.xpath("boolean(descendant-or-self::*/@*)"):
            raise FastDecodeError("attributes in the answer")
        return decode(answer)

    return decode_answer


def decoder(xsd_file, g2_operation, namespace):
    """The fast decoder of ``g2_operation``'s answer element in ``namespace``, or None (zeep only)."""
    type_name = FAST_ANSWERS.get(g2_operation)
    if type_name is None:
        return None
    key = (xsd_file, type_name, namespace or PLACEHOLDER_NS)
    with _cache_lock:
        decode = _cache.get(key)
        if decode is None:
            decode = _checked(_compile(_load_types(xsd_file), type_name, key[2], {}))
            _cache[key] = decode
        return decode
