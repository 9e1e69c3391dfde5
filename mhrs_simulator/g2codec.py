"""G2 XML <-> dicts, driven by the simulator's own copy of the G2 schema (mhrs_simulator/g2/).

The XSD is read once: per complex type, its elements in order (name, type, maxOccurs) and attributes.
``decode`` turns a request element into a dict (lists for repeating elements, ints/bools typed);
``encode`` writes a dict as the answer element, children in the schema's order, None values left out;
``encode_text`` writes the same as text (string templates compiled per type, no element tree: the
12,000-row appointment answer of the bench was mostly the cost of building and serialising an lxml tree).
"""

import functools
import os
import re
import threading
from xml.sax.saxutils import escape

from lxml import etree

G2_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "g2")
XSD_PATH = os.path.join(G2_DIR, "MHRSServis.xsd")
WSDL_PATH = os.path.join(G2_DIR, "MHRSServis.wsdl")
PLACEHOLDER_NS = "http://xxxxxx.com"
XS = "{http://www.w3.org/2001/XMLSchema}"
_schema_lock = threading.Lock()


def safe_parser():
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_blank_text=True
    )


@functools.lru_cache(maxsize=1)
def schema_model():
    """({type: [(name, type, repeats, is_attribute)]}, {element: type})."""
    root = etree.parse(XSD_PATH, safe_parser()).getroot()
    types, elements, required = {}, {}, {}
    for ctype in root.iterfind(f"{XS}complexType"):
        fields = [
            (el.get("name"), el.get("type").split(":")[-1], el.get("maxOccurs") == "unbounded", False)
            for el in ctype.iter(f"{XS}element")
        ]
        required[ctype.get("name")] = [
            (el.get("name"), el.get("type").split(":")[-1])
            for el in ctype.iter(f"{XS}element")
            if el.get("minOccurs") != "0" and el.get("type").startswith("xs:")
        ]
        fields += [(a.get("name"), "string", False, True) for a in ctype.iterfind(f"{XS}attribute")]
        types[ctype.get("name")] = fields
    for el in root.iterfind(f"{XS}element"):
        elements[el.get("name")] = el.get("type").split(":")[-1]
    _REQUIRED.update(required)
    return types, elements


_REQUIRED = {}


def required_defaults(type_name):
    """Zero values of the required scalar elements of a type (a refusal still answers a valid element)."""
    schema_model()
    return {
        name: (False if xs == "boolean" else 0 if xs in ("int", "long") else "")
        for name, xs in _REQUIRED.get(type_name, [])
    }


@functools.lru_cache(maxsize=4)
def _xml_schema(namespace):
    with open(XSD_PATH, "rb") as handle:
        text = handle.read().replace(PLACEHOLDER_NS.encode(), namespace.encode())
    return etree.XMLSchema(etree.fromstring(text, safe_parser()))


def validate(element, namespace):
    """Error strings of ``element`` against the schema (empty when valid)."""
    schema = _xml_schema(namespace)
    with _schema_lock:
        if schema.validate(element):
            return []
        return [str(e) for e in schema.error_log]


def _scalar(text, type_name):
    text = (text or "").strip()
    if type_name in ("int", "long"):
        return int(text)
    if type_name == "boolean":
        return text in ("true", "1")
    return text


def decode(element, type_name):
    types, _ = schema_model()
    fields = types[type_name]
    out = {}
    for name, ftype, repeats, attribute in fields:
        if attribute:
            value = next((v for k, v in element.attrib.items() if etree.QName(k).localname == name), None)
            out[name] = value
            continue
        children = [c for c in element if etree.QName(c).localname == name]
        values = [decode(c, ftype) if ftype in types else _scalar(c.text, ftype) for c in children]
        out[name] = values if repeats else (values[0] if values else None)
    return out


def _text(value, type_name):
    if type_name == "boolean":
        return "true" if value else "false"
    return str(value)


def encode(parent, namespace, name, type_name, value):
    types, _ = schema_model()
    node = etree.SubElement(parent, f"{{{namespace}}}{name}")
    if type_name not in types:
        node.text = _text(value, type_name)
        return node
    for fname, ftype, repeats, attribute in types[type_name]:
        item = value.get(fname)
        if item is None:
            continue
        if attribute:
            node.set(f"{{{namespace}}}{fname}", str(item))
            continue
        for one in item if repeats else [item]:
            encode(node, namespace, fname, ftype if ftype in types else _xs(ftype), one)
    return node


# Characters XML 1.0 cannot carry (lxml refuses them when it builds a tree; the text encoder likewise).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_TEXT_ESCAPES = {"\r": "&#13;"}  # as lxml writes it (a parser would read a bare CR as LF)
_ATTRIBUTE_ESCAPES = {'"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}


@functools.cache
def _plan(type_name, prefix):
    """A complex type's (attributes, children) as text pieces: attributes (name, ' p:name="'), children
    (name, '<p:name', '</p:name>', kind, child type) with kind "complex", "boolean" or "text"."""
    types, _ = schema_model()
    attributes, children = [], []
    for fname, ftype, repeats, attribute in types[type_name]:
        if attribute:
            attributes.append((fname, f' {prefix}:{fname}="'))
            continue
        kind = "complex" if ftype in types else "boolean" if ftype == "boolean" else "text"
        children.append((fname, f"<{prefix}:{fname}", f"</{prefix}:{fname}>", kind, ftype, repeats))
    return tuple(attributes), tuple(children)


def _write(out, prefix, type_name, value, open_tag, close_tag):
    attributes, children = _plan(type_name, prefix)
    out.append(open_tag)
    for fname, piece in attributes:
        item = value.get(fname)
        if item is not None:
            out.append(f'{piece}{escape(str(item), _ATTRIBUTE_ESCAPES)}"')
    out.append(">")
    for fname, child_open, child_close, kind, ftype, repeats in children:
        item = value.get(fname)
        if item is None:
            continue
        for one in item if repeats else (item,):
            if kind == "complex":
                _write(out, prefix, ftype, one, child_open, child_close)
            elif kind == "boolean":
                out.append(f"{child_open}>{'true' if one else 'false'}{child_close}")
            else:
                out.append(f"{child_open}>{escape(str(one), _TEXT_ESCAPES)}{child_close}")
    out.append(close_tag)


def encode_text(prefix, name, type_name, value):
    """The element ``prefix:name`` of ``type_name`` holding ``value`` as XML text (the prefix must be
    bound to the G2 namespace by the caller); the same element ``encode`` builds."""
    out = []
    _write(out, prefix, type_name, value, f"<{prefix}:{name}", f"</{prefix}:{name}>")
    text = "".join(out)
    bad = _NOT_XML.search(text)
    if bad:
        raise ValueError(f"character {bad.group()!r} cannot be written in XML")
    return text


def _xs(type_name):
    return {"int": "int", "long": "long", "boolean": "boolean"}.get(type_name, "string")


def wsdl_bytes(namespace, endpoint):
    with open(WSDL_PATH, "rb") as handle:
        text = handle.read().replace(PLACEHOLDER_NS.encode(), namespace.encode())
    text = text.replace(b"http://localhost/MHRSWS/services/mhrsweb", endpoint.encode())
    return text.replace(
        b'schemaLocation="MHRSServis.xsd"', f'schemaLocation="{endpoint}?xsd=MHRSServis.xsd"'.encode()
    )


def xsd_bytes(namespace):
    with open(XSD_PATH, "rb") as handle:
        return handle.read().replace(PLACEHOLDER_NS.encode(), namespace.encode())
