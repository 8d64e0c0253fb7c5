"""Document kinds and profiles: what a loaded document is, read from its root and identifiers."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from lxml import etree

UBL_INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
UBL_CREDIT_NOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CBC_NS = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CII_NS = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM_NS = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
FATTURAPA_NS = "http://ivaservizi.agenziaentrate.gov.it/docs/xsd/fatture/v1.2"


class DocumentKind(StrEnum):
    """The syntax-level kind of a document."""

    UBL_INVOICE = "ubl-invoice"
    UBL_CREDIT_NOTE = "ubl-creditnote"
    CII = "cii"
    FATTURAPA = "fatturapa"
    UNKNOWN = "unknown"


class Profile(StrEnum):
    """The business profile (CIUS / specification) a document claims."""

    PEPPOL_BIS_BILLING_3 = "peppol-bis-billing-3"
    PEPPOL_BIS_SELF_BILLING_3 = "peppol-bis-self-billing-3"
    EN16931 = "en16931"
    XRECHNUNG = "xrechnung"
    PEPPOL_PINT = "peppol-pint"
    FRENCH_CTC = "fr-ctc"
    OTHER_CIUS = "other-cius"
    FATTURAPA_PA = "fatturapa-fpa12"
    FATTURAPA_PRIVATE = "fatturapa-fpr12"
    UNKNOWN = "unknown"


_PROFILE_LABEL = {
    Profile.PEPPOL_BIS_BILLING_3: "Peppol BIS Billing 3.0",
    Profile.PEPPOL_BIS_SELF_BILLING_3: "Peppol BIS Self-Billing 3.0",
    Profile.EN16931: "EN 16931",
    Profile.XRECHNUNG: "XRechnung",
    Profile.PEPPOL_PINT: "Peppol PINT",
    Profile.FRENCH_CTC: "French CTC (EXTENDED-CTC-FR)",
    Profile.OTHER_CIUS: "EN 16931 CIUS",
    Profile.FATTURAPA_PA: "FatturaPA FPA12 (public administration)",
    Profile.FATTURAPA_PRIVATE: "FatturaPA FPR12 (private parties)",
    Profile.UNKNOWN: "unknown profile",
}

_KIND_LABEL = {
    DocumentKind.UBL_INVOICE: "UBL 2.1 Invoice",
    DocumentKind.UBL_CREDIT_NOTE: "UBL 2.1 CreditNote",
    DocumentKind.CII: "UN/CEFACT CII D16B CrossIndustryInvoice",
    DocumentKind.FATTURAPA: "FatturaPA 1.2",
    DocumentKind.UNKNOWN: "unsupported document",
}


@dataclass(frozen=True)
class Detection:
    """What a document is: kind, claimed profile and the identifiers it was recognised by."""

    kind: DocumentKind
    profile: Profile
    root_tag: str
    customization_id: str | None = None
    profile_id: str | None = None
    fatturapa_format: str | None = None
    #: The seller's and buyer's countries (address country codes and VAT-id prefixes), for country layers.
    countries: tuple[str, ...] = ()

    @property
    def supported(self) -> bool:
        """True when the engine knows how to validate this kind of document."""
        return self.kind is not DocumentKind.UNKNOWN

    @property
    def syntax(self) -> str | None:
        """ubl, cii or fatturapa (None when unsupported)."""
        if self.kind in (DocumentKind.UBL_INVOICE, DocumentKind.UBL_CREDIT_NOTE):
            return "ubl"
        if self.kind is DocumentKind.UNKNOWN:
            return None
        return self.kind.value

    @property
    def label(self) -> str:
        """A human label such as 'UBL 2.1 Invoice (Peppol BIS Billing 3.0)'."""
        if self.kind is DocumentKind.UNKNOWN:
            return f"unsupported document ({self.root_tag})"
        return f"{_KIND_LABEL[self.kind]} ({_PROFILE_LABEL[self.profile]})"


def profile_of_customization(customization_id: str | None, profile_id: str | None = None) -> Profile:
    """Classify an EN 16931 CustomizationID (BT-24) and ProfileID (BT-23)."""
    cid = (customization_id or "").strip()
    if not cid:
        return Profile.UNKNOWN
    if "urn:fdc:peppol.eu:2017:poacc:selfbilling" in cid:
        return Profile.PEPPOL_BIS_SELF_BILLING_3
    if "urn:fdc:peppol.eu:2017:poacc:billing:3.0" in cid:
        return Profile.PEPPOL_BIS_BILLING_3
    if "urn:peppol:pint" in cid:
        return Profile.PEPPOL_PINT
    if "xrechnung" in cid.lower() or "urn:xeinkauf.de" in cid:
        return Profile.XRECHNUNG
    if "urn:cen.eu:en16931:2017#conformant#urn.cpro.gouv.fr" in cid or "extended-ctc-fr" in cid.lower():
        return Profile.FRENCH_CTC
    if cid == "urn:cen.eu:en16931:2017":
        return Profile.EN16931
    if cid.startswith("urn:cen.eu:en16931:2017"):
        return Profile.OTHER_CIUS
    return Profile.UNKNOWN


CAC_NS = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
_UBL_PREFIXES = {"cac": CAC_NS, "cbc": CBC_NS}
_CII_PREFIXES = {"rsm": CII_NS, "ram": RAM_NS}
_AGREEMENT = "/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement"
#: Where the seller's and buyer's address country codes, then their VAT identifiers, are.
_PARTY_COUNTRY = {
    "ubl": (
        "/*/cac:AccountingSupplierParty/cac:Party/cac:PostalAddress/cac:Country/cbc:IdentificationCode",
        "/*/cac:AccountingCustomerParty/cac:Party/cac:PostalAddress/cac:Country/cbc:IdentificationCode",
    ),
    "cii": (
        f"{_AGREEMENT}/ram:SellerTradeParty/ram:PostalTradeAddress/ram:CountryID",
        f"{_AGREEMENT}/ram:BuyerTradeParty/ram:PostalTradeAddress/ram:CountryID",
    ),
}
_PARTY_VAT = {
    "ubl": (
        "/*/cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme[cac:TaxScheme/cbc:ID = 'VAT']/cbc:CompanyID",
        "/*/cac:AccountingCustomerParty/cac:Party/cac:PartyTaxScheme[cac:TaxScheme/cbc:ID = 'VAT']/cbc:CompanyID",
    ),
    "cii": (
        f"{_AGREEMENT}/ram:SellerTradeParty/ram:SpecifiedTaxRegistration/ram:ID[@schemeID = 'VA']",
        f"{_AGREEMENT}/ram:BuyerTradeParty/ram:SpecifiedTaxRegistration/ram:ID[@schemeID = 'VA']",
    ),
}


def party_countries(root: etree._Element, syntax: str | None) -> tuple[str, ...]:
    """The seller's and buyer's countries: address country codes and the country prefixes of their VAT ids."""
    if syntax not in _PARTY_COUNTRY:
        return ()
    ns = _UBL_PREFIXES if syntax == "ubl" else _CII_PREFIXES
    found: list[str] = []
    for path in _PARTY_COUNTRY[syntax]:
        code = root.xpath(f"string(({path})[1])", namespaces=ns)
        if isinstance(code, str) and code.strip():
            found.append(code.strip().upper())
    for path in _PARTY_VAT[syntax]:
        for value in root.xpath(path, namespaces=ns):
            text = (value.text or "").strip().upper() if isinstance(value, etree._Element) else ""
            if len(text) > 2 and text[:2].isalpha():
                found.append(text[:2])
    return tuple(dict.fromkeys(found))


def _text(el: etree._Element | None) -> str | None:
    if el is None or el.text is None:
        return None
    return el.text.strip() or None


def detect(root: etree._Element) -> Detection:
    """Find out what a loaded document is from its root element and identifiers (never raises)."""
    tag = root.tag if isinstance(root.tag, str) else "?"
    qname = etree.QName(tag) if tag != "?" else None
    ns, local = (qname.namespace, qname.localname) if qname else (None, tag)
    if (ns == UBL_INVOICE_NS and local == "Invoice") or (ns == UBL_CREDIT_NOTE_NS and local == "CreditNote"):
        kind = DocumentKind.UBL_INVOICE if local == "Invoice" else DocumentKind.UBL_CREDIT_NOTE
        cid = _text(root.find(f"{{{CBC_NS}}}CustomizationID"))
        pid = _text(root.find(f"{{{CBC_NS}}}ProfileID"))
        return Detection(
            kind, profile_of_customization(cid, pid), tag, cid, pid, countries=party_countries(root, "ubl")
        )
    if ns == CII_NS and local == "CrossIndustryInvoice":
        ctx = f"{{{CII_NS}}}ExchangedDocumentContext"
        guideline = root.find(f"{ctx}/{{{RAM_NS}}}GuidelineSpecifiedDocumentContextParameter/{{{RAM_NS}}}ID")
        business = root.find(f"{ctx}/{{{RAM_NS}}}BusinessProcessSpecifiedDocumentContextParameter/{{{RAM_NS}}}ID")
        cid, pid = _text(guideline), _text(business)
        countries = party_countries(root, "cii")
        return Detection(DocumentKind.CII, profile_of_customization(cid, pid), tag, cid, pid, countries=countries)
    if ns == FATTURAPA_NS and local == "FatturaElettronica":
        fmt = (root.get("versione") or "").strip().upper()
        profile = {"FPA12": Profile.FATTURAPA_PA, "FPR12": Profile.FATTURAPA_PRIVATE}.get(fmt, Profile.UNKNOWN)
        return Detection(DocumentKind.FATTURAPA, profile, tag, fatturapa_format=fmt or None)
    return Detection(DocumentKind.UNKNOWN, Profile.UNKNOWN, tag)
