"""Italian: what the service says, in each platform's style (see ``bot.languages.texts``).

Chats say "tu", as Italian shops do on WhatsApp and Instagram; email and the formal tone say "Lei".
"""

from __future__ import annotations

STATUS_WORDS = {
    "pending": "ricevuto e in attesa di lavorazione",
    "processing": "in preparazione",
    "shipped": "in viaggio",
    "fulfilled": "consegnato",
    "cancelled": "annullato",
}
STAGE_WORDS = {
    "in_transit": "in transito",
    "out_for_delivery": "in consegna oggi",
    "ready_for_pickup": "pronto per il ritiro al punto di raccolta",
    "delivery_problem": "fermo per un problema di consegna",
    "delivered": "consegnato, secondo il corriere",
}
ETA = {"delivered": "consegnato", "today": "oggi"}
ARRIVAL = {
    "not_shipped": "Non è ancora stato spedito, quindi non c'è ancora una data di consegna.",
    "carrier": "Non ho una data di consegna precisa; il tracking del corriere mostra la sua stima più recente.",
    "unknown": "Non ho ancora una data di consegna precisa.",
    "estimate": "Dovrebbe arrivare intorno a {likely}, e al più tardi entro {arrives_by}.",
    "no_history": "Non abbiamo ancora consegnato abbastanza ordini per darti una data affidabile.",
}
STATUS = {
    "whatsapp": "Ciao {first_name}! Il tuo ordine #{order_number} è {status} ({progress} completato).\n"
    "Seguilo qui 👉 {tracking_url}\nUltimo aggiornamento: {last_update}",
    "instagram": "Ehi {first_name}! Il tuo ordine #{order_number} è {status} ({progress} completato) ✨\n"
    "Seguilo qui 👉 {tracking_url}\nUltimo aggiornamento: {last_update}\nTi serve altro? Scrivimi pure 💬",
    "sms": "Ordine #{order_number}: {status} ({progress}).\nTracking: {tracking_url}",
    "email": "Gentile {first_name},\n\nil Suo ordine #{order_number} è {status} ({progress} completato).\n"
    "Importo totale: {total}\nSegua la spedizione: {tracking_url}\n\nUltimo aggiornamento: {last_update}\n\n"
    "Cordiali saluti,\n{shop_name}",
    "console": "Ordine #{order_number}: {status} ({progress}).\nTracking: {tracking_url}\n"
    "Ultimo aggiornamento: {last_update}",
    "formal": "Buongiorno {first_name},\nil Suo ordine #{order_number} è {status} ({progress} completato).\n"
    "Tracking: {tracking_url}\nUltimo aggiornamento: {last_update}",
}
SEVERAL = {
    "chat": "Ecco i tuoi ultimi ordini 📋\n{orders}\nRispondi con un numero d'ordine per i dettagli.",
    "sms": "I tuoi ordini: {orders}",
    "plain": "I tuoi ultimi ordini:\n{orders}\nRispondi con un numero d'ordine per i dettagli.",
}
REPLIES = {
    "late": "Ci scusiamo, l'ordine #{order_number} potrebbe non arrivare oggi come previsto: il corriere non l'ha "
    "ancora messo in consegna. Ti avviseremo appena sapremo di più.",
    "delay": "Ci scusiamo, l'ordine #{order_number} è in ritardo: il corriere ora prevede la consegna il "
    "{date}. Ti avviseremo se cambia qualcosa.",
    "no_orders": "Non trovo ancora nessun ordine a tuo nome. Se hai ordinato con un altro telefono o un'altra "
    "email, rispondi con il numero d'ordine.",
    "unknown_order": "Non trovo l'ordine #{order_number} a tuo nome. Controlla il numero, oppure rispondi "
    '"operatore" per parlare con il nostro team.',
    "menu": "Posso aiutarti con: stato e data di consegna dell'ordine (mandami il numero), tracking, i tuoi "
    "ordini, annullare o modificare un ordine, rimborsi e problemi, oppure parlare con una persona (rispondi "
    '"operatore").',
    "human": "Grazie, ho chiesto al nostro team di risponderti qui il prima possibile.",
    "cancel": "Ho inoltrato al nostro team la tua richiesta di annullare l'ordine #{order_number}; te lo "
    "confermeranno qui a breve.",
    "cancel_closed": "L'ordine #{order_number} è già {status}, quindi non si può più annullare. Rispondi "
    '"operatore" se ti serve aiuto.',
    "change": "Ho inoltrato al nostro team la tua richiesta di modificare l'ordine #{order_number}; una persona "
    "ti confermerà qui se è ancora possibile.",
    "change_closed": "L'ordine #{order_number} è già {status}, quindi non si può più modificare. Rispondi "
    '"operatore" se ti serve aiuto.',
    "complaint": "Ci dispiace molto! Ho segnalato il problema al nostro team{about}; una persona lo esaminerà e "
    "ti risponderà qui.",
    "refund": "Ho inoltrato la tua richiesta di {what}{about} al nostro team; una persona ti risponderà qui con "
    "i prossimi passi.",
    "other": 'In questa chat non posso aiutarti con {topic}. Rispondi "operatore" per parlare con una persona, '
    "oppure mandami il numero d'ordine per sapere a che punto è.",
    "greeting": "Ciao {first_name}! Mandami il numero del tuo ordine e ti dico dov'è.",
    "thanks": "Figurati! Se ti serve altro, scrivimi pure.",
    "opted_out": "Non riceverai più messaggi da {shop_name} qui. Rispondi START per riattivarli.",
    "opted_in": "Riceverai di nuovo qui gli aggiornamenti sugli ordini di {shop_name}. Rispondi STOP per "
    "disattivarli.",
    "help": "Aggiornamenti ordini di {shop_name}. Manda il numero d'ordine per sapere a che punto è. Rispondi "
    "STOP per disattivarli.",
    "link_needed": "Per proteggere i tuoi ordini, mandami il numero d'ordine e l'email oppure le ultime 4 cifre "
    "del telefono indicati nell'ordine.",
    "linked": "Grazie, sei verificato/a! Ora posso darti qui informazioni sui tuoi ordini.",
    "not_linked": "Mi dispiace, questi dati non corrispondono a un ordine che posso condividere. Controllali e "
    "riprova.",
    "link_code": "Per vedere gli ordini di questo numero nella nostra chat Instagram, inviaci lì il codice {code} "
    "(valido 15 minuti). Non condividere mai questo codice con nessuno.",
    "satisfaction_ask": "Com'è andato l'ordine #{order_number}? Rispondi con un voto da 1 (male) a 5 (ottimo) e, se vuoi, un commento.",
    "satisfaction_email": "Com'è andato il suo ordine #{order_number}? Scelga un voto da 1 (male) a 5 (ottimo) qui sotto; potrà aggiungere un commento prima di inviarlo.",
    "satisfaction_thanks": "Grazie per il tuo parere!",
    "satisfaction_sorry": "Grazie per avercelo detto, e ci dispiace che non sia andata meglio. Una persona del nostro team ti risponderà.",
    "photo_update": "Ciao {first_name}! Ecco una foto del tuo ordine #{order_number}.\n{caption}",
}
TOPICS = {
    "newsletters": "le newsletter",
    "cancellation fees": "i costi di annullamento",
    "passwords and logins": "password e accessi",
    "accounts": "gli account cliente",
    "payments": "i pagamenti",
    "invoices": "le fatture",
    "subscriptions": "gli abbonamenti",
    "reviews": "le recensioni",
    "shipping options": "le opzioni di spedizione",
    "new orders": "i nuovi ordini",
    "that": "questo",
}
WHAT = {"refund": "rimborso", "return": "reso"}
ABOUT = " sull'ordine #{order_number}"
FOR_ORDER = " per l'ordine #{order_number}"
SUBJECT = "{shop_name}: ordine #{order_number} {status}"
