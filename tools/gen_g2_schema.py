#!/usr/bin/env python3
"""Write the G2 SOAP contract (XSD + WSDL) from the published G2 types.

Inputs (committed beside this script, in tools/g2/):
- g2-types.json: every type of ATLAS's MHRSServis.cs (xsd.exe output of the real WSDL), properties in
  element order with their type, list flag and attribute flag;
- g2-specified.json: per type, the value-type properties that have an ``*Specified`` twin (= optional
  elements) and the types xsd.exe marked anonymous;
- OPERATIONS below: operation -> (request element, request type, response type); request element names
  are those of MHRSServis.hvl.cs (Tuple.Create parameter names), response elements ``<operation>Cevap``
  (inferred: ATLAS does not show them).

Rules (docs/contract.md): elementFormDefault qualified (xsd.exe wrote no Form=Unqualified); value types
with ``*Specified`` minOccurs=0, without it minOccurs=1; strings, byte arrays and complex elements
minOccurs=0 (xsd.exe does not record whether they are required); arrays minOccurs=0
maxOccurs=unbounded, not wrapped (XmlElementAttribute); ``GonderenBirim`` a qualified attribute;
anonymous types are emitted as named types (the names xsd.exe gave them); dates stay strings.
The target namespace is the placeholder of the public copy; the wire replaces it with the configured one.

Usage: python tools/gen_g2_schema.py   (rewrites mhrs_connector/wire/g2/ and mhrs_simulator/g2/)
"""

import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HERE = os.path.join(ROOT, "tools", "g2")
OUTPUTS = [os.path.join(ROOT, "mhrs_connector", "wire", "g2"), os.path.join(ROOT, "mhrs_simulator", "g2")]
NS = "http://xxxxxx.com"
XSD_FILE, WSDL_FILE = "MHRSServis.xsd", "MHRSServis.wsdl"
SERVICE = "MHRSServis"

# operation -> request element (MHRSServis.hvl.cs, or <op>Talep where ATLAS wires no call)
REQUEST_ELEMENTS = {
    "KurumAltKlinikEkleme": "KurumAltKlinikEklemeTalep",
    "KurumAltKlinikSorgulama": "KurumAltKlinikSorgulamaTalep",
    "KurumAltKlinikAdiGuncelleme": "KurumAltKlinikAdiGuncellemeTalep",
    "KurumAltKlinikSilme": "KurumAltKlinikSilmeTalep",
    "KurumHekimEkleme": "KurumHekimEklemeTalep",
    "KurumIstisnaEkleme": "KurumIstisnaEklemeTalep",
    "KurumIstisnaSilme": "KurumIstisnaSilmeTalep",
    "KurumIstisnaSorgulama": "KurumIstisnaSorgulamaTalep",
    "KurumKesinCetvelGuncelleme": "KurumKesinCetvelGuncellemeTalep",
    "KurumKesinCetvelSilme": "KurumKesinCetvelSilmeTalep",
    "KurumKesinCetvelSorgulama": "KurumKesinCetvelSorgulamaTalep",
    "KurumKlinikEkleme": "KurumKlinikEklemeTalep",
    "KurumKlinikSorgulama": "KurumKlinikSorgulamaTalep",
    "KurumRandevuSorgulamaObj": "KurumRandevuSorgulamaTalep",
    "KurumTaslakCetvelEkleme": "KurumTaslakCetvelEklemeTalep",
    "KurumTaslakCetvelGuncelleme": "KurumTaslakCetvelGuncellemeTalep",
    "KurumTaslakCetvelKesinlestirme": "KurumTaslakCetvelKesinlestirmeTalep",
    "KurumTaslakCetvelSilme": "KurumTaslakCetvelSilmeTalep",
    "KurumTaslakCetvelSorgulama": "KurumTaslakCetvelSorgulamaTalep",
    "RandevuDurumGuncelle": "RandevuDurumGuncelleTalep",
    "RandevuEkleme": "RandevuEklemeTalep",
    "RandevuIptal": "RandevuIptalTalep",
    "AksiyonBilgileriSorgulama": "AksiyonBilgileriSorgulamaTalep",
    "RandevuCetvelOzetDetaySorgulama": "RandevuCetvelOzetDetaySorgulamaTalep",
}
XS_TYPES = {
    "int": "xs:int",
    "long": "xs:long",
    "string": "xs:string",
    "bool": "xs:boolean",
    "byte[]": "xs:base64Binary",
}
VALUE_TYPES = {"int", "long", "bool"}


def load():
    with open(os.path.join(HERE, "g2-types.json"), encoding="utf-8") as handle:
        types = json.load(handle)
    with open(os.path.join(HERE, "g2-specified.json"), encoding="utf-8") as handle:
        specified = json.load(handle)
    return types, specified


def operations(types):
    """operation -> (request element, request type, response element, response type)."""
    ops = {}
    for op, element in REQUEST_ELEMENTS.items():
        request_type = element + "Type"
        response_type = op + "CevapType"
        if request_type not in types or response_type not in types:
            sys.exit(f"{op}: {request_type} or {response_type} is not a published G2 type")
        ops[op] = (element, request_type, op + "Cevap", response_type)
    return ops


def is_binary(prop):
    """C# ``byte[]`` (xsd.exe: DataType="base64Binary") is one base64 element, not a list."""
    return prop["type"] == "byte" and prop["list"]


def xs_type(prop):
    if is_binary(prop):
        return "xs:base64Binary"
    return XS_TYPES.get(prop["type"], f"tns:{prop['type']}")


def cardinality(prop, optional):
    """(minOccurs, maxOccurs) of one property, by the rules of the module docstring."""
    if is_binary(prop):
        return "0", "1"
    if prop["list"]:
        return "0", "unbounded"
    if prop["type"] in VALUE_TYPES:
        return ("0" if prop["name"] in optional else "1"), "1"
    return "0", "1"


def xsd_text(types, specified, ops):
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        "<!-- Generated by tools/gen_g2_schema.py from tools/g2/*.json (MHRSServis.cs). Do not edit. -->",
        f'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:tns="{NS}" targetNamespace="{NS}"',
        '           elementFormDefault="qualified" attributeFormDefault="unqualified">',
    ]
    for _op, (req_el, req_type, resp_el, resp_type) in sorted(ops.items()):
        lines.append(f'  <xs:element name="{req_el}" type="tns:{req_type}"/>')
        lines.append(f'  <xs:element name="{resp_el}" type="tns:{resp_type}"/>')
    nillable = {("KurumTaslakCetvelKesinlestirmeCevapType", "taslakKesinMap")}
    for name in sorted(types):
        optional = set(specified["specified"].get(name, ()))
        lines.append(f'  <xs:complexType name="{name}">')
        elements = [p for p in types[name] if not p["attribute"]]
        attributes = [p for p in types[name] if p["attribute"]]
        if elements:
            lines.append("    <xs:sequence>")
            for prop in elements:
                low, high = cardinality(prop, optional)
                extra = ' nillable="true"' if (name, prop["name"]) in nillable else ""
                lines.append(
                    f'      <xs:element name="{prop["name"]}" type="{xs_type(prop)}" minOccurs="{low}"'
                    f' maxOccurs="{high}"{extra}/>'
                )
            lines.append("    </xs:sequence>")
        for prop in attributes:
            lines.append(f'    <xs:attribute name="{prop["name"]}" type="xs:string" form="qualified"/>')
        lines.append("  </xs:complexType>")
    lines.append("</xs:schema>")
    return "\n".join(lines) + "\n"


def wsdl_text(ops):
    head = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        "<!-- Generated by tools/gen_g2_schema.py; do not edit. Document/literal SOAP 1.1 (inferred). -->",
        '<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/"',
        '                  xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"',
        '                  xmlns:xs="http://www.w3.org/2001/XMLSchema"',
        f'                  xmlns:tns="{NS}" targetNamespace="{NS}" name="{SERVICE}">',
        "  <wsdl:types>",
        f'    <xs:schema><xs:import namespace="{NS}" schemaLocation="{XSD_FILE}"/></xs:schema>',
        "  </wsdl:types>",
    ]
    messages, port, binding = (
        [],
        [f'  <wsdl:portType name="{SERVICE}PortType">'],
        [
            f'  <wsdl:binding name="{SERVICE}Binding" type="tns:{SERVICE}PortType">',
            '    <soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>',
        ],
    )
    for op, (req_el, _req_type, resp_el, _resp_type) in sorted(ops.items()):
        messages += [
            f'  <wsdl:message name="{op}Request"><wsdl:part name="parameters" element="tns:{req_el}"/>'
            "</wsdl:message>",
            f'  <wsdl:message name="{op}Response"><wsdl:part name="parameters" element="tns:{resp_el}"/>'
            "</wsdl:message>",
        ]
        port += [
            f'    <wsdl:operation name="{op}">',
            f'      <wsdl:input message="tns:{op}Request"/><wsdl:output message="tns:{op}Response"/>',
            "    </wsdl:operation>",
        ]
        binding += [
            f'    <wsdl:operation name="{op}">',
            '      <soap:operation soapAction="" style="document"/>',
            '      <wsdl:input><soap:body use="literal"/></wsdl:input>',
            '      <wsdl:output><soap:body use="literal"/></wsdl:output>',
            "    </wsdl:operation>",
        ]
    port.append("  </wsdl:portType>")
    binding.append("  </wsdl:binding>")
    service = [
        f'  <wsdl:service name="{SERVICE}">',
        f'    <wsdl:port name="{SERVICE}Port" binding="tns:{SERVICE}Binding">',
        '      <soap:address location="http://localhost/MHRSWS/services/mhrsweb"/>',
        "    </wsdl:port>",
        "  </wsdl:service>",
        "</wsdl:definitions>",
    ]
    return "\n".join(head + messages + port + binding + service) + "\n"


def main():
    types, specified = load()
    ops = operations(types)
    for out in OUTPUTS:
        os.makedirs(out, exist_ok=True)
        with open(os.path.join(out, XSD_FILE), "w", encoding="utf-8") as handle:
            handle.write(xsd_text(types, specified, ops))
        with open(os.path.join(out, WSDL_FILE), "w", encoding="utf-8") as handle:
            handle.write(wsdl_text(ops))
    print(f"{len(types)} types, {len(ops)} operations -> {', '.join(OUTPUTS)}")


if __name__ == "__main__":
    main()
