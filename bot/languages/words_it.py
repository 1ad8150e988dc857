"""Italian: the words customers use for each thing they want (see ``bot.languages.vocabulary``).

Patterns match normalised text (lowercase, no accents, plain apostrophes): "dov'è il mio ordine?" is read
as "dov'e il mio ordine?".
"""

from __future__ import annotations

_GAP = r"(?:[ ]+[\w'$#-]+){0,4}?[ ]+"

OPT_OUT_PHRASE = (
    r"^(stop|basta)( grazie| per favore)?$|\b(smett\w*) di (inviar|mandar|scriver|contattar)\w*\b"
    r"|\bnon (mi )?(inviate|mandate|scrivete|contattate) piu\b|\bnon voglio piu (ricevere )?(messaggi|notifiche|sms)\b"
    r"|\bdisiscriv\w*\b|\bcancellami\b"
)
HUMAN = (
    r"\b(umano|persona|operatore|operatrice|agente|consulente|qualcuno|responsabile|assistenza clienti|"
    r"servizio clienti|parlare con|chiamatemi|richiamatemi|contattarvi)\b"
)
CANCEL = (
    r"\b(annull\w*|cancell\w*|disdir\w*|disdic\w*|disdett\w*|non (lo|la|li|le) voglio piu|non mi serve piu)\b"
)
CANCEL_VERB = r"\b(annull\w*|cancell\w*|disdi\w*)\b"
NEGATED_ACTION = (
    r"\bnon (voglio |vorrei |devo |dovete |volete )?(annull|cancell|modific|cambi|rimbors|restitu|disdi)\w*"
    r"|\bnon (l'ordine|il mio ordine|questo ordine)\b"
)
CANCELLED_ALREADY = r"\b(e|stato|stata|stati|state|hanno|avete|ha) (annullat|cancellat)[oaie]\b"
OTHER_ADDRESS = r"\bindirizzo (e-?mail|email|di posta|di fatturazione)\b|\be-?mail\b|\bposta elettronica\b"
NOT_AN_ORDER = (
    r"\b(newsletter|abbonament\w*|iscrizione|account|profilo|utente|contratto|piano|carta|pagament\w*|"
    r"commission\w*|penal\w*|assicurazione|password|indirizzo e-?mail)\b"
)
ORDER_NOUN = r"\b(l'ordine|ordin[ei]|ordinazion[ei]|acquist[oi]|articol[oi]|prodott[oi]|pacc[oh]\w*|spedizion[ei]|consegn[ae])\b"
CHANGE_ADDRESS = (
    rf"\b(cambi\w*|modific\w*|correg\w*|aggiorn\w*|nuovo|altro|diverso|sbagliato|errato)\b{_GAP}(l')?indirizzo\b"
    r"|\bindirizzo (sbagliato|errato|nuovo|diverso)\b|\bmi sono trasferit[oa]\b|\bho traslocato\b"
)
CHANGE_ORDER = (
    rf"\b(cambi|modific|correg|sostitu)\w*\b{_GAP}(il |mio |la |l')?(ordine|ordinazione|acquisto|articol[oi]|"
    r"prodott[oi]|taglia|colore|quantita)\b"
    rf"|\b(aggiung|rimuov|togli|elimin|tolg)\w*\b{_GAP}(a|ad|al|all'|dal|dall'|nel|nell'|in|da) ?(mio |questo |un |uno |una )?"
    r"(ordine|ordinazione|acquisto)\b|\bho dimenticato di (aggiungere|ordinare)\b"
    rf"|\b(posticip|rimand|anticip|spost|cambi|modific)\w*\b{_GAP}(la )?data di (consegna|invio|spedizione)\b"
    rf"|\b(unire|combinare|raggruppare)\b{_GAP}ordini\b"
)
COMPLAINT_KINDS: tuple[tuple[str, str], ...] = (
    (
        "damaged item",
        r"\b(rott[oaie]|danneggiat\w*|difettos\w*|guast[oaie]|non funziona|ha smesso di funzionare|ammaccat\w*|"
        r"crepat\w*|rovinat\w*)\b",
    ),
    (
        "wrong item",
        r"\b(articolo|prodotto|taglia|colore|ordine|pacco|modello) (sbagliat|errat)\w*\b"
        r"|\bnon e quello che ho ordinato\b|\b(inviato|mandato|spedito) (il prodotto |l'articolo )?sbagliat\w*\b",
    ),
    (
        "missing item",
        r"\b(manca|mancano|mancava|mancante|mancanti|incomplet\w*)\b|\b(pacco|scatola) vuot[oa]\b|\barrivat[oa] vuot[oa]\b"
        r"|\bnon (ho )?ricevut\w* tutt\w*|\b(ricevut|arrivat)\w* solo (un|uno|una|1|parte|meta)\b"
        r"|\bsolo (un|uno|una) (articolo|prodotto|pacco|collo)\b",
    ),
    (
        "not received",
        r"\b(risulta|dice|segna) (come )?consegnat[oa],? ma\b|\bmai (arrivat[oa]|ricevut[oa])\b"
        r"|\bnon (e )?mai arrivat[oa]\b|\bnon l'ho mai ricevut[oa]\b|\b(rubat[oa]|smarrit[oa])\b"
        r"|\bma non (il |l'|la |i |le |mio |mia )?(pacco|ordine|merce|articol\w*|prodott\w*)"
        r"|\b(reso|restituit\w*|tornat\w*|rispedit\w*) al mittente\b",
    ),
    (
        "quality",
        r"\b(scarsa|pessima|bassa) qualita\b|\bnon (e )?come (descritto|in foto)\b|\b(contraffatt\w*|falso)\b",
    ),
    (
        "complaint",
        r"\b(reclam\w*|lament\w*|contestazione|pessima esperienza|pessimo servizio|servizio scadente|insoddisfatt\w*|"
        r"non sono soddisfatt\w*|scontent\w*|non mi piac\w*|"
        r"problema con (il|l'|mio|questo|quel) ?(ordine|pacco|articolo|prodotto|acquisto|consegna|spedizione))\b",
    ),
)
REFUND_KINDS: tuple[tuple[str, str], ...] = (
    (
        "refund",
        r"\b(rimbors\w*|soldi indietro|i miei soldi|riaccredit\w*|risarciment\w*|indennizz\w*|compensazion\w*)\b",
    ),
    ("return", r"\b(restitu\w*|reso|resi|rispedire|sostituzione)\b"),
)
DELIVERY_TIME = (
    r"\bquando\b(?:[ ]+[\w'-]+){0,8}?[ ]+(arriv\w*|ricev\w*|consegn\w*|spedi\w*|sped\w*|part\w*)\b"
    r"|\b(quanto tempo|quanti giorni)\b|\bquanto ci (vuole|mette|impiega)\b|\b(data|tempi|tempo|termine) di (consegna|arrivo|spedizione)\b|\bentro quando\b"
)
TRACKING = (
    r"\b(tracking|tracciamento|traccia\w*|numero di spedizione|corriere|bartolini|brt|sda|poste italiane|gls|dhl|"
    r"ups|tnt|fedex)\b"
)
LIST = (
    r"\b(miei|tutti i miei|altri|precedenti) ordini\b|\bstorico (degli )?ordini\b|\bquali ordini\b"
    r"|\bquanti ordini\b|^ordini\W*$"
)
STATUS = (
    r"\b(dove|dov'e|stato|l'ordine|ordine|ordinazione|pacco|spedizione|spedito|consegna|consegnato|arrivato|arriva|"
    r"ancora|aspettando|attesa|novita|notizie)\b"
)
THANKS = r"\b(grazie|perfetto|ottimo|benissimo|va bene|ok|okay|d'accordo|fantastico|gentilissim[oia])\b"
ASKING = r"\?|\b(dove|dov'e|quando|come|cosa|perche|stato|ma|non|niente|nulla|mai|ancora|ritardo)\b"
GREETING = r"^(ciao|salve|buongiorno|buonasera|buon pomeriggio|ehi)\b"
MENU = r"\b(aiuto|menu|opzioni|cosa puoi fare|cosa sai fare|come funziona)\b"
OTHER_TOPICS: tuple[tuple[str, str], ...] = (
    ("newsletters", r"\b(newsletter|email promozionali|pubblicita|mailing list)\b"),
    (
        "cancellation fees",
        r"\b(costi|penale|penali|commissione|spese) (di|per l') ?(annullamento|cancellazione|disdetta)\b",
    ),
    ("passwords and logins", r"\b(password|credenziali|accedere|login|codice di verifica)\b"),
    (
        "accounts",
        r"\b(creare|aprire|eliminare|cancellare|chiudere|modificare) (un |il mio |l')?account\b"
        r"|\bil mio (account|profilo)\b|\bdati personali\b|\binformazioni personali\b|\bregistrazione\b|\bregistrarmi\b"
        r"|\bindirizzo e-?mail\b",
    ),
    (
        "payments",
        r"\b(pagament\w*|pagare|paypal|satispay|carta di credito|bancomat|carta rifiutata|metodi di pagamento|"
        r"addebit\w*|coupon|buon\w* sconto)\b|\bcodic\w* (sconto|promozional\w*)\b",
    ),
    ("invoices", r"\b(fattur\w*|ricevuta fiscale|scontrino|iva)\b"),
    ("subscriptions", r"\babbonament\w*\b"),
    ("reviews", r"\b(recension\w*|valutazion\w*|opinione)\b"),
    (
        "shipping options",
        r"\b(spedite|consegnate) (anche )?(in|a|all'estero)\b"
        r"|\b(costi|costo|spese|prezzi|prezzo|tariff\w*|metodi|opzioni|modalita) (di|della|per la) (spedizione|consegna)\b"
        r"|\bquanto costa (la spedizione|la consegna|spedire|consegnare)\b",
    ),
    (
        "new orders",
        r"\b(fare|effettuare) (un |un altro |un nuovo )?ordine\b|\bvorrei (comprare|acquistare)\b|\bcome (posso )?(ordinare|acquistare|comprare)\b"
        r"|\b(ordine|importo) minimo\b|\bcome (si fa|faccio) (un )?ordine\b",
    ),
)
