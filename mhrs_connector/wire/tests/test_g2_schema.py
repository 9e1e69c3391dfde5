"""The shipped G2 XSD/WSDL against the published G2 types (tools/g2/, extracted from ATLAS MHRSServis.cs),
and the operation registry against the contract files."""

import json

from lxml import etree

from conftest import ROOT
from mhrs_connector.wire import OPERATIONS, TABLE1
from mhrs_connector.wire.g2 import WSDL_FILE, XSD_FILE, request_element
from mhrs_simulator import wire_rest

XS = "{http://www.w3.org/2001/XMLSchema}"
TYPES = json.loads((ROOT / "tools" / "g2" / "g2-types.json").read_text(encoding="utf-8"))
SPECIFIED = json.loads((ROOT / "tools" / "g2" / "g2-specified.json").read_text(encoding="utf-8"))["specified"]
VALUE_TYPES = {"int", "long", "bool"}


def xsd_types():
    root = etree.parse(XSD_FILE).getroot()
    return root, {ct.get("name"): ct for ct in root.iterfind(f"{XS}complexType")}


def test_every_published_type_is_in_the_xsd_with_names_order_and_cardinality():
    _, types = xsd_types()
    assert set(types) == set(TYPES)
    for name, props in TYPES.items():
        ctype = types[name]
        elements = list(ctype.iter(f"{XS}element"))
        expected = [p for p in props if not p["attribute"]]
        assert [e.get("name") for e in elements] == [p["name"] for p in expected], name
        for element, prop in zip(elements, expected, strict=True):
            binary = prop["type"] == "byte" and prop["list"]
            repeats = prop["list"] and not binary
            assert (element.get("maxOccurs") == "unbounded") is repeats, (name, prop["name"])
            if binary:
                assert element.get("type") == "xs:base64Binary"
            elif prop["type"] in VALUE_TYPES and not repeats:
                optional = prop["name"] in SPECIFIED.get(name, [])
                assert element.get("minOccurs") == ("0" if optional else "1"), (name, prop["name"])
            if prop["type"] in TYPES:
                assert element.get("type") == f"tns:{prop['type']}"
            elif prop["type"] == "string":
                assert element.get("type") == "xs:string"  # dates stay strings
        attributes = [a.get("name") for a in ctype.iterfind(f"{XS}attribute")]
        assert attributes == [p["name"] for p in props if p["attribute"]], name
    gonderen = types["KurumBilgileriType"].find(f"{XS}attribute")
    assert (gonderen.get("name"), gonderen.get("form")) == ("GonderenBirim", "qualified")


def test_every_registry_operation_has_its_request_and_answer_in_the_contract():
    root, _ = xsd_types()
    elements = {e.get("name"): e.get("type") for e in root.iterfind(f"{XS}element")}
    wsdl = etree.parse(WSDL_FILE).getroot()
    wsdl_ops = {o.get("name") for o in wsdl.iter("{http://schemas.xmlsoap.org/wsdl/}operation")}
    for op in OPERATIONS.values():
        if not op.g2:
            continue
        assert op.g2 in wsdl_ops
        assert elements[request_element(op.g2)].removeprefix("tns:") in TYPES
        assert elements[op.g2 + "Cevap"] == f"tns:{op.g2}CevapType"
        request_type = TYPES[elements[request_element(op.g2)].removeprefix("tns:")]
        assert [p["name"] for p in request_type[:2]] == ["YetkilendirmeGirisBilgileri", "KurumBilgileri"]
    assert elements["KurumRandevuSorgulamaTalep"] == "tns:KurumRandevuSorgulamaTalepType"


def test_table1_rows_and_their_counterparts():
    assert [op.row for op in TABLE1] == list(range(1, 19))
    for op in TABLE1:
        assert op.counterpart is (op.row not in (5, 6, 7, 8)), op.row
        assert op.code_lost is (op.row in (16, 17, 18)) and (op.code is None) is op.code_lost
    for op in OPERATIONS.values():
        if op.g3:
            assert (op.g3[0], "hbys/" + op.g3[1]) in set(wire_rest.ROUTES), op.key


def test_the_simulator_ships_the_same_contract():
    for name in ("MHRSServis.xsd", "MHRSServis.wsdl"):
        shipped = (ROOT / "mhrs_connector" / "wire" / "g2" / name).read_bytes()
        assert (ROOT / "mhrs_simulator" / "g2" / name).read_bytes() == shipped, name
