"""The ledger's vocabulary, defined once: each concept is an enum whose values are its wire names.

The API's JSON, the CLI's output and the index's text columns use the wire names (`"processing_and_use"`);
the contracts use the Solidity enum's position, which is `.code` here. Solidity numbers an enum's members
in the order they are declared, and so do these enums: keep both in the same order.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from functools import cache
from typing import Self


@cache
def _members(kind: type[ChainEnum]) -> tuple[ChainEnum, ...]:
    return tuple(kind)


class ChainEnum(StrEnum):
    """A Solidity enum by its wire names; `.code` is the value the contract stores."""

    @property
    def code(self) -> int:
        """The member's position, as Solidity numbers it."""
        return _members(type(self)).index(self)

    @classmethod
    def of(cls, code: int) -> Self:
        """The member the contract stores as `code`."""
        member: Self = _members(cls)[int(code)]  # type: ignore[assignment]
        return member


class Kind(ChainEnum):
    """What is registered (IRegistrations.Kind)."""

    DATA_RESOURCE = "data_resource"
    DATA_PRODUCT = "data_product"
    DATA_ASSET = "data_asset"


class Origin(ChainEnum):
    """Where the data comes from (IRegistrations.Origin): 公共数据, 企业数据, 个人数据."""

    PUBLIC = "public"
    ENTERPRISE = "enterprise"
    PERSONAL = "personal"


class Grade(ChainEnum):
    """Classification grade (IRegistrations.Grade): 一般, 重要, 核心."""

    GENERAL = "general"
    IMPORTANT = "important"
    CORE = "core"


class Status(ChainEnum):
    """Lifecycle state of a registration (IRegistrations.Status)."""

    NONE = "none"
    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    REJECTED = "rejected"
    PUBLIC_NOTICE = "public_notice"
    OBJECTED = "objected"
    CERTIFIED = "certified"
    LAPSED = "lapsed"
    FROZEN = "frozen"
    REVOKED = "revoked"
    CANCELLED = "cancelled"


class Right(ChainEnum):
    """One of the three rights (IRights.Right, 三权分置); a registration claims a set of them as bits."""

    RESOURCE_HOLDING = "resource_holding"  # 数据资源持有权
    PROCESSING_AND_USE = "processing_and_use"  # 数据加工使用权
    PRODUCT_OPERATION = "product_operation"  # 数据产品经营权

    @property
    def bit(self) -> int:
        """The right's bit in a registration's claimed set (`1 << right`)."""
        return 1 << self.code


def rights_mask(rights: Iterable[Right]) -> int:
    """The bit set of claimed rights, as `IRegistrations.Submission.rights` holds it."""
    mask = 0
    for right in rights:
        mask |= right.bit
    return mask


class LicenceType(ChainEnum):
    """Licence categories (IRights.LicenceType): 独占, 排他, 普通, 分许可, 交叉许可."""

    EXCLUSIVE = "exclusive"
    SOLE = "sole"
    NON_EXCLUSIVE = "non_exclusive"
    SUB_LICENCE = "sub_licence"
    CROSS_LICENCE = "cross_licence"


EXCLUSIVE_LICENCES = (LicenceType.EXCLUSIVE, LicenceType.SOLE)


class LicenceStatus(ChainEnum):
    """State of a licence record (IRights.LicenceStatus)."""

    NONE = "none"
    AWAITING_APPROVAL = "awaiting_approval"
    GRANTED = "granted"
    REVOKED = "revoked"


class Encumbrance(ChainEnum):
    """What encumbers a right (IRights.EncumbranceKind): nothing, a pledge (质押) or a trust (信托)."""

    NONE = "none"
    PLEDGE = "pledge"
    TRUST = "trust"


class ReportKind(ChainEnum):
    """What an endorsed report is (IEndorsements.ReportKind)."""

    COMPLIANCE = "compliance"
    QUALITY = "quality"
    VALUATION = "valuation"


class CertificateType(ChainEnum):
    """The two certificates (ICertificates): a property registration (产权登记) and an evidence (存证) one."""

    PROPERTY_REGISTRATION = "property_registration"
    EVIDENCE = "evidence"


class ObjectionStatus(ChainEnum):
    """Where an objection registration (异议登记) stands (IRegistrations.ObjectionStatus)."""

    NONE = "none"
    OPEN = "open"
    WITHDRAWN = "withdrawn"
    DISMISSED = "dismissed"
    UPHELD = "upheld"


class PartyStatus(ChainEnum):
    """An admitted party's standing (ILedgerAccess.PartyStatus)."""

    NONE = "none"
    ADMITTED = "admitted"
    SUSPENDED = "suspended"


class EvidenceEntryKind(StrEnum):
    """What an evidence log entry records (存证): a delivery, a trade, an access, an operation, a licensed use."""

    DELIVERY = "delivery"
    TRADE = "trade"
    ACCESS = "access"
    OPERATION = "operation"
    USAGE = "usage"


class ReviewDecision(StrEnum):
    """A decision kept as a review record; a registry decision is named after the registry function sending it."""

    ACCEPT = "accept"
    REJECT = "reject"
    APPROVE = "approve"
    CERTIFY = "certify"
    APPROVE_CHANGE = "approveChange"
    REJECT_CHANGE = "rejectChange"
    RENEW = "renew"
    ISSUE_EVIDENCE_CERTIFICATE = "issueEvidenceCertificate"
    FREEZE = "freeze"
    UNFREEZE = "unfreeze"
    REVOKE = "revoke"
    UPHELD = "upheld"
    DISMISSED = "dismissed"
    COURT_RELEASE = "court_release"


REGISTRY_DECISIONS = frozenset(
    {
        ReviewDecision.ACCEPT,
        ReviewDecision.REJECT,
        ReviewDecision.APPROVE,
        ReviewDecision.CERTIFY,
        ReviewDecision.APPROVE_CHANGE,
        ReviewDecision.REJECT_CHANGE,
        ReviewDecision.RENEW,
        ReviewDecision.ISSUE_EVIDENCE_CERTIFICATE,
        ReviewDecision.FREEZE,
        ReviewDecision.UNFREEZE,
        ReviewDecision.REVOKE,
    }
)
# The registry decisions whose function takes the sha256 of a reason text as its second argument.
REASONED_DECISIONS = frozenset(
    {
        ReviewDecision.REJECT,
        ReviewDecision.REJECT_CHANGE,
        ReviewDecision.RENEW,
        ReviewDecision.FREEZE,
        ReviewDecision.REVOKE,
    }
)


class IndustrySection(StrEnum):
    """The 20 sections (门类) of GB/T 4754-2017; a manifest's industry code starts with one of these letters."""

    AGRICULTURE = "A"  # 农、林、牧、渔业
    MINING = "B"  # 采矿业
    MANUFACTURING = "C"  # 制造业
    UTILITIES = "D"  # 电力、热力、燃气及水生产和供应业
    CONSTRUCTION = "E"  # 建筑业
    TRADE = "F"  # 批发和零售业
    TRANSPORT = "G"  # 交通运输、仓储和邮政业
    ACCOMMODATION = "H"  # 住宿和餐饮业
    INFORMATION = "I"  # 信息传输、软件和信息技术服务业
    FINANCE = "J"  # 金融业
    REAL_ESTATE = "K"  # 房地产业
    LEASING = "L"  # 租赁和商务服务业
    RESEARCH = "M"  # 科学研究和技术服务业
    ENVIRONMENT = "N"  # 水利、环境和公共设施管理业
    RESIDENT_SERVICES = "O"  # 居民服务、修理和其他服务业
    EDUCATION = "P"  # 教育
    HEALTH = "Q"  # 卫生和社会工作
    CULTURE = "R"  # 文化、体育和娱乐业
    PUBLIC_ADMINISTRATION = "S"  # 公共管理、社会保障和社会组织
    INTERNATIONAL = "T"  # 国际组织
