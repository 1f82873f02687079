"""Public entry point of the inventory parsers: one import for the collector.

The work is done in one module per job (``osinfo``, ``eol``, ``postfix``, ``codefilter``,
``rbl``, ``rblconfig``, ``dkim``, ``resolv``, ``mta``); this module only re-exports their public
names.
"""

from __future__ import annotations

from preflight.inventory.codefilter import CodeFilter
from preflight.inventory.dkim import (
    Dataset,
    DkimKey,
    KeyTableEntry,
    OpenDkimConf,
    RspamdDkimConfig,
    SigningTableEntry,
    opendkim_keys,
    parse_keytable,
    parse_opendkim_conf,
    parse_rspamd_dkim_signing,
    parse_signingtable,
)
from preflight.inventory.eol import EolState, EolStatus, EolTable, eol_status, load_eol_table
from preflight.inventory.mta import Mta, detect_mta
from preflight.inventory.osinfo import OsRelease, parse_os_release
from preflight.inventory.postfix import (
    MasterConfig,
    MasterService,
    expand,
    parse_master_cf,
    parse_postconf,
    split_list,
)
from preflight.inventory.rbl import (
    PostscreenAction,
    PostscreenOutcome,
    PostscreenSite,
    RblDecision,
    RblKind,
    RblPolicy,
    RblRule,
    Stage,
    redact_zone,
)
from preflight.inventory.rblconfig import parse_rbl_config
from preflight.inventory.resolv import resolv_conf_nameservers

__all__ = [
    "CodeFilter",
    "Dataset",
    "DkimKey",
    "EolState",
    "EolStatus",
    "EolTable",
    "KeyTableEntry",
    "MasterConfig",
    "MasterService",
    "Mta",
    "OpenDkimConf",
    "OsRelease",
    "PostscreenAction",
    "PostscreenOutcome",
    "PostscreenSite",
    "RblDecision",
    "RblKind",
    "RblPolicy",
    "RblRule",
    "RspamdDkimConfig",
    "SigningTableEntry",
    "Stage",
    "detect_mta",
    "eol_status",
    "expand",
    "load_eol_table",
    "opendkim_keys",
    "parse_keytable",
    "parse_master_cf",
    "parse_opendkim_conf",
    "parse_os_release",
    "parse_postconf",
    "parse_rbl_config",
    "parse_rspamd_dkim_signing",
    "parse_signingtable",
    "redact_zone",
    "resolv_conf_nameservers",
    "split_list",
]
