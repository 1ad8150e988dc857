"""German: what the service says, in each platform's style (see ``bot.languages.texts``).

Chats say "du", as German shops do on WhatsApp and Instagram; email and the formal tone say "Sie".
"""

from __future__ import annotations

STATUS_WORDS = {
    "pending": "eingegangen und wartet auf Bearbeitung",
    "processing": "in Vorbereitung",
    "shipped": "unterwegs",
    "fulfilled": "zugestellt",
    "cancelled": "storniert",
}
STAGE_WORDS = {
    "in_transit": "im Versand unterwegs",
    "out_for_delivery": "heute in der Zustellung",
    "ready_for_pickup": "in der Filiale abholbereit",
    "delivery_problem": "bei der Zustellung auf ein Problem gestoßen",
    "delivered": "laut Versanddienst zugestellt",
}
ETA = {"delivered": "zugestellt", "today": "heute"}
ARRIVAL = {
    "not_shipped": "Sie ist noch nicht verschickt, deshalb gibt es noch kein Lieferdatum.",
    "carrier": "Ein genaues Lieferdatum habe ich nicht; die Sendungsverfolgung zeigt die aktuelle Schätzung des "
    "Versanddienstes.",
    "unknown": "Ein genaues Lieferdatum habe ich noch nicht.",
    "estimate": "Sie kommt voraussichtlich am {likely} an, spätestens am {arrives_by}.",
    "no_history": "Wir haben noch nicht genug Bestellungen geliefert, um ein verlässliches Datum zu nennen.",
}
STATUS = {
    "whatsapp": "Hallo {first_name}! Deine Bestellung #{order_number} ist {status} ({progress} erledigt).\n"
    "Hier verfolgen 👉 {tracking_url}\nLetzte Aktualisierung: {last_update}",
    "instagram": "Hey {first_name}! Deine Bestellung #{order_number} ist {status} ({progress} erledigt) ✨\n"
    "Hier verfolgen 👉 {tracking_url}\nLetzte Aktualisierung: {last_update}\nNoch Fragen? Schreib mir einfach 💬",
    "sms": "Bestellung #{order_number}: {status} ({progress}).\nVerfolgen: {tracking_url}",
    "email": "Guten Tag {first_name},\n\nIhre Bestellung #{order_number} ist {status} ({progress} erledigt).\n"
    "Gesamtbetrag: {total}\nSendung verfolgen: {tracking_url}\n\nLetzte Aktualisierung: {last_update}\n\n"
    "Mit freundlichen Grüßen\n{shop_name}",
    "console": "Bestellung #{order_number}: {status} ({progress}).\nSendungsverfolgung: {tracking_url}\n"
    "Letzte Aktualisierung: {last_update}",
    "formal": "Guten Tag {first_name},\nIhre Bestellung #{order_number} ist {status} ({progress} erledigt).\n"
    "Sendungsverfolgung: {tracking_url}\nLetzte Aktualisierung: {last_update}",
}
SEVERAL = {
    "chat": "Hier sind deine letzten Bestellungen 📋\n{orders}\nAntworte mit einer Bestellnummer für Details.",
    "sms": "Deine Bestellungen: {orders}",
    "plain": "Ihre letzten Bestellungen:\n{orders}\nAntworten Sie mit einer Bestellnummer für Details.",
}
REPLIES = {
    "late": "Bestellung #{order_number} kommt heute wohl leider nicht wie angekündigt: Der Zusteller hat sie noch "
    "nicht zur Zustellung geladen. Wir melden uns, sobald wir mehr wissen.",
    "delay": "Bestellung #{order_number} verspätet sich leider: Der Zusteller bringt sie jetzt voraussichtlich am "
    "{date}. Wir melden uns, falls sich etwas ändert.",
    "no_orders": "Ich finde noch keine Bestellung von dir. Wenn du mit einer anderen Telefonnummer oder E-Mail "
    "bestellt hast, schick mir deine Bestellnummer.",
    "unknown_order": "Ich finde die Bestellung #{order_number} nicht unter deinem Namen. Prüf bitte die Nummer "
    "oder antworte „Mitarbeiter“, um unser Team zu erreichen.",
    "menu": "Ich helfe dir bei: Status und Lieferdatum deiner Bestellung (schick mir die Nummer), "
    "Sendungsverfolgung, deinen Bestellungen, Stornieren oder Ändern einer Bestellung, Erstattungen und "
    "Problemen, oder ich verbinde dich mit einer Person (antworte „Mitarbeiter“).",
    "human": "Danke, ich habe unser Team gebeten, dir hier so schnell wie möglich zu antworten.",
    "cancel": "Ich habe deinen Wunsch, die Bestellung #{order_number} zu stornieren, an unser Team "
    "weitergegeben; du bekommst hier in Kürze eine Bestätigung.",
    "cancel_closed": "Die Bestellung #{order_number} ist bereits {status} und kann deshalb nicht mehr storniert "
    "werden. Antworte „Mitarbeiter“, wenn du Hilfe brauchst.",
    "change": "Ich habe deinen Änderungswunsch für die Bestellung #{order_number} an unser Team weitergegeben; "
    "eine Person bestätigt dir hier, ob das noch geht.",
    "change_closed": "Die Bestellung #{order_number} ist bereits {status} und kann deshalb nicht mehr geändert "
    "werden. Antworte „Mitarbeiter“, wenn du Hilfe brauchst.",
    "complaint": "Das tut uns leid! Ich habe es an unser Team weitergegeben{about}; eine Person schaut sich das "
    "an und antwortet dir hier.",
    "refund": "Ich habe deine Anfrage zur {what}{about} an unser Team weitergegeben; eine Person meldet sich hier "
    "mit den nächsten Schritten.",
    "other": "Bei {topic} kann ich dir in diesem Chat nicht helfen. Antworte „Mitarbeiter“, um mit einer Person "
    "zu sprechen, oder schick mir deine Bestellnummer für den Status.",
    "greeting": "Hallo {first_name}! Schick mir deine Bestellnummer und ich sage dir, wo sie gerade ist.",
    "thanks": "Gern geschehen! Wenn du noch etwas brauchst, schreib einfach.",
    "opted_out": "Du bekommst hier keine Nachrichten mehr von {shop_name}. Antworte START, um sie wieder zu "
    "erhalten.",
    "opted_in": "Du bekommst hier wieder Bestell-Updates von {shop_name}. Antworte STOP zum Abmelden.",
    "help": "Bestell-Updates von {shop_name}. Schick deine Bestellnummer für den Status. Antworte STOP zum "
    "Abmelden.",
    "link_needed": "Zum Schutz deiner Bestellungen schick mir bitte die Bestellnummer und die E-Mail oder die "
    "letzten 4 Ziffern der Telefonnummer aus der Bestellung.",
    "linked": "Danke, du bist verifiziert! Ich kann dir jetzt hier Auskunft zu deinen Bestellungen geben.",
    "not_linked": "Leider passen diese Angaben zu keiner Bestellung, die ich teilen kann. Prüf sie bitte und "
    "versuch es noch einmal.",
    "link_code": "Um die Bestellungen dieser Nummer in unserem Instagram-Chat zu sehen, schick uns dort den Code "
    "{code} (15 Minuten gültig). Gib diesen Code niemals weiter.",
    "satisfaction_ask": "Wie war deine Bestellung #{order_number}? Antworte mit einer Note von 1 (schlecht) bis 5 (super) und gern einem Kommentar.",
    "satisfaction_email": "Wie war Ihre Bestellung #{order_number}? Wählen Sie unten eine Note von 1 (schlecht) bis 5 (sehr gut); vor dem Absenden können Sie einen Kommentar hinzufügen.",
    "satisfaction_thanks": "Danke für dein Feedback!",
    "satisfaction_sorry": "Danke, dass du es uns sagst, und es tut uns leid, dass es nicht besser lief. Jemand aus unserem Team meldet sich bei dir.",
    "photo_update": "Hallo {first_name}! Hier ist ein Foto deiner Bestellung #{order_number}.\n{caption}",
}
TOPICS = {
    "newsletters": "Newslettern",
    "cancellation fees": "Stornogebühren",
    "passwords and logins": "Passwörtern und Anmeldung",
    "accounts": "Kundenkonten",
    "payments": "Zahlungen",
    "invoices": "Rechnungen",
    "subscriptions": "Abos",
    "reviews": "Bewertungen",
    "shipping options": "Versandoptionen",
    "new orders": "neuen Bestellungen",
    "that": "diesem Anliegen",
}
WHAT = {"refund": "Erstattung", "return": "Rücksendung"}
ABOUT = " (Bestellung #{order_number})"
FOR_ORDER = " für die Bestellung #{order_number}"
SUBJECT = "{shop_name}: Bestellung #{order_number} {status}"
