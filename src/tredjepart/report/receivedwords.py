"""The report's words for what each third party received and for the evidence about hosts, in Danish and
English (``key -> (da, en)``); ``i18n.Catalog`` reads them beside its own catalogue.

They say how a session was scanned (for a declared identity's field names, else patterns and decoders only),
how each kind of data was found, how sure tredjepart is, and that a host which is probably the solution's own is
still judged by the policy. No value from traffic is part of a format string.
"""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    "received": ("Hvad hver tredjepart modtog", "What each third party received"),
    "received_intro": (
        "Hvilke slags data hver tredjepart fik i sessionens forespørgsler, hvor de stod, og i hvilken form. "
        "Værdierne selv står aldrig i databasen eller i rapporten.",
        "The kinds of data each third party got in the session's requests, where they were, and in which form. "
        "The values themselves are never in the database or in the report."),
    "received_identity": (
        "Sessionen blev gennemsøgt for en erklæret testidentitet med felterne {fields} (kun feltnavnene er "
        "gemt, aldrig værdierne), og desuden for mønstre og dokumenterede felter.",
        "The session was scanned for a declared test identity with the fields {fields} (only the field names "
        "are stored, never the values), and for patterns and documented fields too."),
    "received_no_identity": (
        "Der var ingen erklæret testidentitet for sessionen: kun mønstre (CPR-numre, e-mailadresser og "
        "telefonnumre i klar tekst) og endpoint-dekodere (dokumenterede felter) blev brugt. Hashede eller kodede "
        "personoplysninger findes da kun, hvor en dekoder kender feltet; erklær en testidentitet (--identity) "
        "for at finde dem i alle former.",
        "No test identity was declared for the session: only patterns (CPR numbers, e-mail addresses and phone "
        "numbers as plain text) and endpoint decoders (documented fields) were used. Hashed or encoded personal "
        "data is then found only where a decoder knows the field; declare a test identity (--identity) to find "
        "it in every form."),
    "received_unknown": (
        "Databasen har ingen oplysninger om, hvad tredjeparterne modtog (en ældre version optog den).",
        "The database has no record of what third parties received (an older version recorded it)."),
    "received_short": ("Modtog", "Received"),
    "received_personal": ("Modtog personoplysninger", "Received personal data"),
    "received_see": ("se »Hvad hver tredjepart modtog«", "see \"What each third party received\""),
    "group_personal": ("Personoplysninger", "Personal data"),
    "group_tracking": ("Id'er og sideadresser", "Identifiers and page addresses"),
    "group_other": ("Andre oplysninger", "Other data"),
    "data": ("Data", "Data"),
    "found_as": ("Fundet som", "Found as"),
    "form": ("Form", "Form"),
    "where": ("Hvor", "Where"),
    "confidence": ("Sikkerhed", "Confidence"),
    "page_about": ("Siden handlede om", "The page was about"),
    "src_declared": ("erklæret felt", "declared field"),
    "src_pattern": ("genkendt på sit mønster", "recognised by its pattern"),
    "src_decoder": ("felt dokumenteret til det", "field documented to carry it"),
    "with_confidence": ("{c} sikkerhed", "{c} confidence"),
    "own": ("Sandsynligvis løsningens egen", "Probably the solution's own"),
    "own_short": ("sandsynligvis løsningens egen", "probably the solution's own"),
    "own_note": ("Politikken afgør stadig: status er, som politikken vurderede den.",
                 "The policy still decides: the status is as the policy judged it."),
    "suggested_owner": ("Sandsynlig ejer", "Probable owner"),
    "suggested_short": ("sandsynligvis {owner} (certifikat)", "probably {owner} (certificate)"),
    "suggested_text": ("sandsynligvis {owner} (ud fra certifikatet; {confidence}, lavere end ejerdata): {evidence}",
                       "probably {owner} (from its certificate; {confidence}, lower than the owners data): "
                       "{evidence}"),
    "summary_own_one": ("1 tredjepart er sandsynligvis løsningens egen (se beviset under den); erklær den i "
                        "politikken, hvis den er.",
                        "1 third party is probably the solution's own (see the evidence under it); declare it "
                        "in the policy if it is."),
    "summary_own_many": ("{n} tredjeparter er sandsynligvis løsningens egne (se beviset under hver); erklær dem "
                         "i politikken, hvis de er.",
                         "{n} third parties are probably the solution's own (see the evidence under each); "
                         "declare them in the policy if they are."),
}

CONFIDENCES: dict[str | None, tuple[str, str]] = {
    "high": ("høj", "high"), "medium": ("middel", "medium"), "low": ("lav", "low"), None: ("ukendt", "unknown"),
}
