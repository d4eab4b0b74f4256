"""The ``third_parties`` list: each entry's keys, its basis and the fields that basis needs, and the checks
across entries (a site under two parties, a third-party site that is really first party)."""

from __future__ import annotations

import yaml

from tredjepart.policy.limits import parties_problem
from tredjepart.policy.model import BASES, Agreement, OptOut, ThirdParty
from tredjepart.policy.nodes import Reader, did_you_mean, is_null, kind, line
from tredjepart.records import BEHAVIOURS
from tredjepart.sites import host_matches, is_glob, is_ip, normalize_host, site_of, validate_pattern

PARTY_KEYS = ("name", "sites", "basis", "purpose", "agreement", "opt_out", "allow", "notes")
AGREEMENT_KEYS = ("reference", "signed", "expires", "document")
OPT_OUT_KEYS = ("setting", "verified", "evidence")


def pattern_problem(pattern: str) -> str | None:
    """Why ``pattern`` cannot be used as a site or host glob (sites.validate_pattern, plus public suffixes)."""
    why = validate_pattern(pattern)
    if why:
        return why
    p = normalize_host(pattern)
    rest = p[2:] if p.startswith("*.") else p
    if is_glob(rest) or is_ip(rest) or rest == "localhost":
        return None
    probe = "zz-probe." + rest
    if site_of(probe) == probe:
        what = f"covers every site under the public suffix {rest!r}" if rest != p else \
            "is a public suffix and would cover every site under it"
        return f"{pattern!r} {what}; name a registrable domain (e.g. 'example.dk') or a host"
    return None


class PartyReader:
    """Reads the third_parties list for one file, knowing its valid first-party patterns."""

    def __init__(self, reader: Reader, first_party: list[tuple[str, yaml.Node]]) -> None:
        self.r = reader
        self.first_party = first_party
        self.site_owner: dict[str, tuple[str, int]] = {}  # pattern -> (party name, line)
        self.names: dict[str, int] = {}

    def read(self, node: yaml.Node | None) -> tuple[ThirdParty, ...]:
        if is_null(node):
            return ()
        if not isinstance(node, yaml.SequenceNode):
            self.r.problem(node, f"'third_parties' must be a list of entries, each starting with '- name: ...'; "
                                 f"found {kind(node)}")
            return ()
        if (too_many := parties_problem(len(node.value))) is not None:
            self.r.problem(node, too_many)
            return ()
        parties = []
        for index, item in enumerate(node.value, 1):
            party = self._party(item, index)
            if party is not None:
                parties.append(party)
        return tuple(parties)

    def _party(self, node: yaml.Node, index: int) -> ThirdParty | None:
        if not isinstance(node, yaml.MappingNode):
            self.r.problem(node, f"third party #{index} must be a mapping with name, sites and basis, "
                                 f"not {kind(node)}")
            return None
        before = len(self.r.problems)
        raw = self._peek(node, "name")
        named = isinstance(raw, yaml.ScalarNode) and not is_null(raw) and raw.value.strip()
        label = f"third party {raw.value.strip()!r}" if named else f"third party #{index}"
        values = self.r.mapping(node, PARTY_KEYS, f" in {label}")
        name = self.r.text(values.get("name"), f"the name of {label}")
        if name is None and is_null(values.get("name")):
            self.r.problem(values.get("name", node), f"{label} has no 'name': say who the third party is")
        elif name in self.names:
            self.r.problem(values["name"], f"{label} is declared twice (also at line {self.names[name]})")
        else:
            self.names[name] = line(node)
        sites = self._sites(values, node, label, name or label)
        basis = self._basis(values, node, label)
        purpose = self.r.text(values.get("purpose"), f"'purpose' of {label}")
        agreement, given = self._agreement(values.get("agreement"), label)
        opt_out, given_opt = self._opt_out(values.get("opt_out"), label)
        given |= given_opt
        allow = self._allow(values.get("allow"), label)
        notes = self.r.text(values.get("notes"), f"'notes' of {label}")
        if basis == "technically_necessary" and not purpose:
            self.r.problem(values.get("purpose", node), f"{label} is technically_necessary but has no 'purpose': "
                                                        "say what it is necessary for (e.g. 'log-in with MitID')")
        if basis == "written_agreement" and "reference" not in given:
            self.r.problem(values.get("agreement", node), f"{label} has basis written_agreement but no "
                           "agreement.reference: name the agreement (e.g. the data processing agreement's number)")
        if basis == "opt_out" and "setting" not in given:
            self.r.problem(values.get("opt_out", node), f"{label} has basis opt_out but no opt_out.setting: "
                           "say where the setting is and what it is set to")
        if basis == "opt_out" and "verified" not in given:
            self.r.problem(values.get("opt_out", node), f"{label} has basis opt_out but no opt_out.verified: "
                           "give the date (YYYY-MM-DD) the authority last checked the setting")
        if len(self.r.problems) > before:
            return None
        return ThirdParty(name=name, sites=sites, basis=basis, purpose=purpose, agreement=agreement,
                          opt_out=opt_out, allow=allow, notes=notes, line=line(node))

    @staticmethod
    def _peek(node: yaml.MappingNode, key: str) -> yaml.Node | None:
        found = None
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                found = v
        return found

    def _sites(self, values: dict, node: yaml.Node, label: str, name: str) -> tuple[str, ...]:
        sites_node = values.get("sites")
        if sites_node is None:
            self.r.problem(node, f"{label} has no 'sites': list its registrable domains or host globs")
            return ()
        items = self.r.texts(sites_node, f"'sites' of {label}", "[stats.example]")
        if is_null(sites_node) or (isinstance(sites_node, yaml.SequenceNode) and not sites_node.value):
            self.r.problem(sites_node, f"'sites' of {label} is empty: list at least one site")
        out = []
        for pattern, item in items:
            why = pattern_problem(pattern)
            if why:
                self.r.problem(item, f"sites of {label}: {why}")
                continue
            p = normalize_host(pattern)
            if p in self.site_owner:
                other, at = self.site_owner[p]
                where = "twice in" if other == name else f"under both {other!r} (line {at}) and"
                self.r.problem(item, f"site {pattern!r} is declared {where} {label}; a site belongs to one party")
                continue
            self.site_owner[p] = (name, line(item))
            first = self._first_party_of(p)
            if first:
                fp, fp_node = first
                self.r.problem(item, f"site {pattern!r} of {label} is also first party ({fp!r}, line "
                                     f"{line(fp_node)}); first-party hosts are never judged as third party")
                continue
            out.append(p)
        return tuple(out)

    def _first_party_of(self, pattern: str) -> tuple[str, yaml.Node] | None:
        probe = pattern[2:] if pattern.startswith("*.") else pattern
        if is_glob(probe):
            return next(((fp, n) for fp, n in self.first_party if fp == pattern), None)
        if pattern.startswith("*."):
            probe = "zz-probe." + probe
        return next(((fp, n) for fp, n in self.first_party if host_matches(probe, fp)), None)

    def _basis(self, values: dict, node: yaml.Node, label: str) -> str | None:
        basis_node = values.get("basis")
        basis = self.r.text(basis_node, f"'basis' of {label}")
        if basis is None:
            self.r.problem(basis_node or node, f"{label} has no 'basis'; give one of: {', '.join(BASES)}")
        elif basis not in BASES:
            self.r.problem(basis_node, f"unknown basis {basis!r} for {label}{did_you_mean(basis, BASES)}")
            return None
        return basis

    @staticmethod
    def _given(values: dict) -> set[str]:
        """The keys given a value (null and empty text count as not given)."""
        return {k for k, n in values.items() if not is_null(n) and not (isinstance(n, yaml.ScalarNode)
                                                                         and not n.value.strip())}

    def _agreement(self, node: yaml.Node | None, label: str) -> tuple[Agreement | None, set[str]]:
        if is_null(node):
            return None, set()
        if not isinstance(node, yaml.MappingNode):
            self.r.problem(node, f"'agreement' of {label} must be a mapping with reference:, signed:, expires:, "
                                 f"not {kind(node)}")
            return None, {"reference"}
        v = self.r.mapping(node, AGREEMENT_KEYS, f" in the agreement of {label}")
        reference = self.r.text(v.get("reference"), f"agreement.reference of {label}")
        signed = self.r.date(v.get("signed"), f"agreement.signed of {label}")
        expires = self.r.date(v.get("expires"), f"agreement.expires of {label}")
        document = self.r.text(v.get("document"), f"agreement.document of {label}")
        if signed and expires and expires < signed:
            self.r.problem(v["expires"], f"agreement.expires ({expires}) of {label} is before agreement.signed "
                                         f"({signed})")
        return Agreement(reference or "", signed, expires, document), self._given(v) & {"reference"}

    def _opt_out(self, node: yaml.Node | None, label: str) -> tuple[OptOut | None, set[str]]:
        if is_null(node):
            return None, set()
        if not isinstance(node, yaml.MappingNode):
            self.r.problem(node, f"'opt_out' of {label} must be a mapping with setting: and verified:, "
                                 f"not {kind(node)}")
            return None, {"setting", "verified"}
        v = self.r.mapping(node, OPT_OUT_KEYS, f" in the opt_out of {label}")
        setting = self.r.text(v.get("setting"), f"opt_out.setting of {label}")
        verified = self.r.date(v.get("verified"), f"opt_out.verified of {label}")
        evidence = self.r.text(v.get("evidence"), f"opt_out.evidence of {label}")
        return OptOut(setting or "", verified, evidence), self._given(v) & {"setting", "verified"}

    def _allow(self, node: yaml.Node | None, label: str) -> frozenset[str] | None:
        if node is None:
            return None
        items = self.r.texts(node, f"'allow' of {label}", "[script, xhr]")
        if is_null(node) or (isinstance(node, yaml.SequenceNode) and not node.value):
            self.r.problem(node, f"'allow' of {label} is empty; leave it out to allow every kind")
        kinds = set()
        for word, item in items:
            if word in BEHAVIOURS:
                kinds.add(word)
            else:
                self.r.problem(item, f"unknown kind {word!r} in 'allow' of {label}"
                                     f"{did_you_mean(word, BEHAVIOURS, 'kinds from')}")
        return frozenset(kinds)
