"""German: the words customers use for each thing they want (see ``bot.languages.vocabulary``).

Patterns match normalised text (lowercase, umlauts without their dots, ß as ss): "Rückerstattung" is read
as "ruckerstattung"; customers who type "rueckerstattung" are matched too.
"""

from __future__ import annotations

_GAP = r"(?:[ ]+[\w'$#-]+){0,4}?[ ]+"

OPT_OUT_PHRASE = (
    r"^(stop|stopp)( bitte)?$|\b(horen sie|hort|hoer\w*) auf,? mir\b|\bkeine (weiteren )?(nachrichten|sms|"
    r"benachrichtigungen|updates) mehr\b|\b(abmelden|abbestellen)\b|\b(schreiben|kontaktieren) sie mich nicht mehr\b"
    r"|\bnicht mehr (kontaktieren|anschreiben|schreiben)\b"
)
HUMAN = (
    r"\b(mensch|menschen|person|mitarbeiter\w*|berater\w*|agent|jemand|jemanden|jemandem|kundenservice|kundendienst|"
    r"sprechen|ruf(en sie)? mich an|ru(e)?ckruf)\b"
)
CANCEL = r"\b(stornier\w*|storno|annullier\w*|kundig\w*|brauche (es|ihn|sie|die bestellung) nicht mehr)\b"
CANCEL_VERB = r"\b(stornier\w*|storno|annullier\w*|kundig\w*)\b"
NEGATED_ACTION = (
    r"\bnicht (stornier|annullier|andern|aendern|zuru(e)?ckschick|erstatt)\w*"
    r"|\b(stornier|annullier|ander|aender)\w* sie (sie |es |die bestellung )?nicht\b|\bnicht die bestellung\b"
)
CANCELLED_ALREADY = (
    r"\b(wurde|wurden|worden|war|waren)\b(?:[ ]+[\w'-]+){0,5}?[ ]+(storniert|annulliert|gekundigt)\b"
    r"|\b(storniert|annulliert) (worden|wurde)\b"
)
OTHER_ADDRESS = r"\b(e-?mail-?adresse|e-?mail|rechnungsadresse|rechnungsanschrift)\b"
NOT_AN_ORDER = (
    r"\b(newsletter|abo|abonnement|konto|kundenkonto|profil|benutzer\w*|mitgliedschaft|vertrag|tarif|karte|"
    r"zahlung\w*|gebu(e)?hr\w*|versicherung|passwort|e-?mail-?adresse)\b"
)
ORDER_NOUN = (
    r"\b(bestellung\w*|auftrag|kauf|einkauf|artikel|produkt\w*|paket\w*|sendung\w*|lieferung\w*|ware)\b"
)
CHANGE_ADDRESS = (
    rf"\b(andern|aendern|korrigier\w*|aktualisier\w*|neue|andere|falsche|alte)\b{_GAP}(liefer)?(adresse|anschrift)\b"
    r"|\b(liefer)?(adresse|anschrift) (andern|aendern|ist falsch|falsch|korrigieren)\b"
    rf"|\b(liefer)?(adresse|anschrift){_GAP}(andern|aendern|korrigieren|aktualisieren)\b"
    rf"|\b(adresse|anschrift){_GAP}(vertippt|vertan|verschrieben)\b|\b(vertippt|vertan|verschrieben){_GAP}(adresse|anschrift)\b"
    r"|\b(adressanderung|adressaenderung)\b|\bumgezogen\b"
)
CHANGE_ORDER = (
    rf"\b(bestellung|auftrag|grosse|farbe|menge|artikel)\w*{_GAP}(andern|aendern|anpassen|korrigieren|bearbeiten)\b"
    rf"|\b(liefertermin|lieferdatum|zustelltermin)\w*{_GAP}(verschieben|andern|aendern)\b"
    rf"|\bbestellungen{_GAP}(zusammenfassen|zusammenlegen|kombinieren)\b"
    rf"|\b(andern|aendern|anpassen|bearbeiten)\b{_GAP}(bestellung|auftrag|grosse|farbe|menge)\b"
    r"|\b(hinzufug\w*|hinzufueg\w*|entfernen|herausnehmen|streichen)\b|\bvergessen\b.*\b(hinzuzufu(e)?gen|zu bestellen)\b"
)
COMPLAINT_KINDS: tuple[tuple[str, str], ...] = (
    (
        "damaged item",
        r"\b(kaputt\w*|beschadigt\w*|beschaedigt\w*|defekt\w*|zerbrochen\w*|gebrochen|funktioniert nicht|"
        r"geht nicht|zerkratzt|eingedru(e)?ckt|undicht|ausgelaufen)\b",
    ),
    (
        "wrong item",
        r"\b(falsche|falschen|falscher|falsches) (artikel|produkt|grosse|farbe|ware|paket|bestellung|modell|sache)\b"
        r"|\bnicht (das|was) (ich|wir) bestellt\b|\bfalsch geliefert\b",
    ),
    (
        "missing item",
        r"\b(fehl(t|en|te|ten|end\w*)|unvollstandig\w*|unvollstaendig\w*)\b|\b(karton|paket|packchen) (war |ist )?leer\b"
        r"|\bnicht alle\b(?:[ ]+[\w'-]+){0,4}?[ ]+(erhalten|bekommen|geliefert|angekommen|da|dabei)\b"
        r"|\bnur (einen|eine|ein|einer|die halfte)( \w+)? (erhalten|bekommen|geliefert|angekommen)\b|\bnur (ein|einen) teil\b",
    ),
    (
        "not received",
        r"\bzugestellt (markiert|angezeigt),? aber\b|\bsteht (als )?zugestellt,? aber\b"
        r"|\bnie (angekommen|erhalten|bekommen)\b|\b(gestohlen|verloren|verschwunden)\b"
        r"|\baber (noch )?(nicht|keine) (die |meine |das |den )?(bestellung|ware|paket|lieferung|artikel)\b"
        r"|\b(zuru(e)?ck an|retoure an) (den )?absender\b",
    ),
    (
        "quality",
        r"\b(schlechte|minderwertige|miese) qualita(e)?t\b|\bnicht wie (beschrieben|abgebildet)\b|\b(falschung|gefalscht)\b",
    ),
    (
        "complaint",
        r"\b(beschwer\w*|reklamation\w*|reklamier\w*|schlechte erfahrung|schlechter service|unzufrieden\w*|"
        r"nicht zufrieden|verargert|gefallt mir nicht|gefaellt mir nicht|problem mit (meiner|der|dieser|ihrer) (bestellung|lieferung|sendung)|"
        r"problem mit (meinem|dem|diesem) (paket|artikel|produkt|kauf))\b",
    ),
)
REFUND_KINDS: tuple[tuple[str, str], ...] = (
    (
        "refund",
        r"\b(ru(e)?ckerstatt\w*|erstatt\w*|geld zuru(e)?ck|mein geld|gutschrift|entscha(e)?digung|ru(e)?ckzahlung)\b",
    ),
    (
        "return",
        r"\b(zuru(e)?ckschick\w*|zuru(e)?cksend\w*|retour\w*|ru(e)?cksendung\w*|umtausch\w*|umtauschen|widerruf\w*|"
        r"zuru(e)?ckgeben)\b",
    ),
)
DELIVERY_TIME = (
    r"\bwann\b(?:[ ]+[\w'-]+){0,8}?[ ]+(komm\w*|ankomm\w*|an|geliefert|zugestellt|versand\w*|verschickt|liefer\w*|"
    r"erhalt\w*|bekomm\w*|da)\b"
    r"|\bwie lange (dauert|noch|braucht)\b|\b(liefertermin|lieferzeit\w*|lieferdatum|zustelltermin|voraussichtlich\w*)\b"
    r"|\b(versanddauer|lieferdauer|zustelldauer|wie schnell)\b"
    r"|\ban welchem tag\b"
)
TRACKING = (
    r"\b(sendungsverfolgung|sendungsnummer|trackingnummer|tracking|verfolg\w*|paketverfolgung|zusteller|paketdienst|"
    r"dhl|hermes|dpd|gls|ups|fedex)\b"
)
LIST = (
    r"\b(meine|alle|andere|fruheren|bisherigen) bestellungen\b|\bbestellverlauf\b|\bbestellhistorie\b"
    r"|\bwelche bestellungen\b|\bwie viele bestellungen\b|^bestellungen\W*$"
)
STATUS = (
    r"\b(versand|bestell|liefer|sendungs|paket)status\b"
    r"|\b(wo|status|stand|bestellung|paket|sendung|lieferung|geliefert|versandt|verschickt|angekommen|immer noch|"
    r"noch|warte|neuigkeiten)\b"
)
THANKS = r"\b(danke|vielen dank|dankeschon|super|perfekt|toll|prima|alles klar|ok|okay|passt|klasse)\b"
ASKING = r"\?|\b(wo|wann|wie|was|warum|wieso|status|aber|nicht|nichts|nie|noch|spat)\b"
GREETING = r"^(hallo|guten (tag|morgen|abend)|moin|servus|gruss gott|gruezi)\b"
MENU = r"\b(hilfe|menu|optionen|was kannst du|was konnen sie|wie funktioniert)\b"
OTHER_TOPICS: tuple[tuple[str, str], ...] = (
    ("newsletters", r"\b(newsletter|werbe-?e-?mails?|werbung|mailingliste)\b"),
    ("cancellation fees", r"\b(storno|stornierungs|kundigungs)(gebu(e)?hr|kosten)\w*\b"),
    (
        "passwords and logins",
        r"\b(passwort|kennwort|anmeld\w*|einlogg\w*|login|bestatigungscode|verifizierungscode)\b",
    ),
    (
        "accounts",
        r"\b(konto|kundenkonto|benutzerkonto|profil)\w* (erstellen|anlegen|loschen|schliessen|kundigen|andern)\b"
        r"|\bmein (kunden)?konto\b|\bkundenkonto\b|\bpersonliche (daten|informationen)\b|\bregistrier\w*\b"
        r"|\be-?mail-?adresse\b",
    ),
    (
        "payments",
        r"\b(zahlung\w*|bezahlung|bezahlen|paypal|klarna|kreditkarte|ec-?karte|karte abgelehnt|zahlungsart\w*|"
        r"zahlungsmethode\w*|abgebucht|belastet|gutschein\w*|rabatt-?code\w*|aktionscode\w*|"
        r"promo-?code\w*)\b",
    ),
    ("invoices", r"\b(rechnung\w*|quittung|mwst|mehrwertsteuer)\b"),
    ("subscriptions", r"\b(abos?|abonnement\w*)\b"),
    ("reviews", r"\b(bewertung\w*|bewerten|rezension\w*)\b"),
    (
        "shipping options",
        r"\b(liefern|versenden|verschicken) sie (auch )?(nach|in|ins)\b|\b(versandkosten|versandart\w*|versandoption\w*|"
        r"lieferoption\w*|lieferkosten|versandgebu(e)?hr\w*|porto)\b"
        r"|\bwas kostet (der|die|das) (versand|lieferung|zustellung|verschicken)\b",
    ),
    (
        "new orders",
        r"\bbestellung aufgeben\b|\bich mochte (etwas )?kaufen\b|\bwie kann ich (bestellen|kaufen)\b"
        r"|\bwie bestelle ich\b|\bmindestbestell\w*\b",
    ),
)
