"""French: what the service says, in each platform's style (see ``bot.languages.texts``)."""

from __future__ import annotations

STATUS_WORDS = {
    "pending": "reçue et en attente de traitement",
    "processing": "en préparation",
    "shipped": "en route",
    "fulfilled": "livrée",
    "cancelled": "annulée",
}
STAGE_WORDS = {
    "in_transit": "en transit",
    "out_for_delivery": "en cours de livraison aujourd'hui",
    "ready_for_pickup": "prête à être retirée au point relais",
    "delivery_problem": "bloquée par un problème de livraison",
    "delivered": "livrée, selon le transporteur",
}
ETA = {"delivered": "livrée", "today": "aujourd'hui"}
ARRIVAL = {
    "not_shipped": "Elle n'est pas encore expédiée, il n'y a donc pas encore de date de livraison.",
    "carrier": "Je n'ai pas de date de livraison exacte ; le suivi du transporteur indique sa dernière estimation.",
    "unknown": "Je n'ai pas encore de date de livraison exacte.",
    "estimate": "Elle devrait arriver vers le {likely}, et au plus tard le {arrives_by}.",
    "no_history": "Nous n'avons pas encore livré assez de commandes pour donner une date fiable.",
}
STATUS = {
    "whatsapp": "Bonjour {first_name} ! Votre commande #{order_number} est {status} ({progress} effectué).\n"
    "Suivez-la ici 👉 {tracking_url}\nDernière mise à jour : {last_update}",
    "instagram": "Coucou {first_name} ! Votre commande #{order_number} est {status} ({progress} effectué) ✨\n"
    "Suivez-la ici 👉 {tracking_url}\nDernière mise à jour : {last_update}\nUne autre question ? Écrivez-moi 💬",
    "sms": "Commande #{order_number} : {status} ({progress}).\nSuivi : {tracking_url}",
    "email": "Bonjour {first_name},\n\nVotre commande #{order_number} est {status} ({progress} effectué).\n"
    "Montant total : {total}\nSuivre votre colis : {tracking_url}\n\nDernière mise à jour : {last_update}\n\n"
    "Cordialement,\n{shop_name}",
    "console": "Commande #{order_number} : {status} ({progress}).\nSuivi : {tracking_url}\n"
    "Dernière mise à jour : {last_update}",
    "formal": "Bonjour {first_name},\nVotre commande #{order_number} est {status} ({progress} effectué).\n"
    "Suivi : {tracking_url}\nDernière mise à jour : {last_update}",
}
SEVERAL = {
    "chat": "Voici vos dernières commandes 📋\n{orders}\nRépondez avec un numéro de commande pour le détail.",
    "sms": "Vos commandes : {orders}",
    "plain": "Vos dernières commandes :\n{orders}\nRépondez avec un numéro de commande pour le détail.",
}
REPLIES = {
    "late": "Désolés, la commande #{order_number} risque de ne pas arriver aujourd'hui comme prévu : le "
    "transporteur ne l'a pas encore mise en livraison. Nous vous préviendrons dès que nous en saurons plus.",
    "delay": "Désolés, la commande #{order_number} a du retard : le transporteur prévoit désormais de la "
    "livrer le {date}. Nous vous préviendrons si cela change.",
    "no_orders": "Je ne trouve encore aucune commande à votre nom. Si vous avez commandé avec un autre numéro "
    "ou une autre adresse e-mail, répondez avec votre numéro de commande.",
    "unknown_order": "Je ne trouve pas la commande #{order_number} à votre nom. Vérifiez le numéro, ou répondez "
    "« humain » pour joindre notre équipe.",
    "menu": "Je peux vous aider pour : le statut et la date de livraison d'une commande (envoyez son numéro), "
    "le suivi, vos commandes, annuler ou modifier une commande, les remboursements et les problèmes, ou parler "
    "à une personne (répondez « humain »).",
    "human": "Merci, j'ai demandé à notre équipe de vous répondre ici dès que possible.",
    "cancel": "J'ai transmis à notre équipe votre demande d'annulation de la commande #{order_number} ; elle "
    "vous confirmera ici très vite.",
    "cancel_closed": "La commande #{order_number} est déjà {status}, elle ne peut donc plus être annulée. "
    "Répondez « humain » si vous avez besoin d'aide.",
    "change": "J'ai transmis à notre équipe votre demande de modification de la commande #{order_number} ; une "
    "personne vous confirmera ici si c'est encore possible.",
    "change_closed": "La commande #{order_number} est déjà {status}, elle ne peut donc plus être modifiée. "
    "Répondez « humain » si vous avez besoin d'aide.",
    "complaint": "Nous sommes désolés ! J'ai transmis le problème à notre équipe{about} ; une personne va "
    "l'examiner et vous répondre ici.",
    "refund": "J'ai transmis votre demande de {what}{about} à notre équipe ; une personne vous répondra ici avec "
    "la suite.",
    "other": "Je ne peux pas vous aider pour {topic} dans ce chat. Répondez « humain » pour parler à une "
    "personne, ou envoyez votre numéro de commande pour connaître son statut.",
    "greeting": "Bonjour {first_name} ! Envoyez-moi votre numéro de commande et je vous dis où elle en est.",
    "thanks": "Avec plaisir ! Pour toute autre question, écrivez-moi.",
    "opted_out": "Vous ne recevrez plus de messages de {shop_name} ici. Répondez START pour les réactiver.",
    "opted_in": "Vous recevrez de nouveau ici le suivi de vos commandes {shop_name}. Répondez STOP pour vous "
    "désabonner.",
    "help": "Suivi de commandes {shop_name}. Envoyez votre numéro de commande pour connaître son statut. "
    "Répondez STOP pour vous désabonner.",
    "link_needed": "Pour protéger vos commandes, envoyez le numéro de commande et l'adresse e-mail ou les 4 "
    "derniers chiffres du téléphone indiqués sur la commande.",
    "linked": "Merci, vous êtes vérifié(e) ! Je peux maintenant vous renseigner ici sur vos commandes.",
    "not_linked": "Désolé, ces informations ne correspondent à aucune commande que je peux partager. Vérifiez-les "
    "et réessayez.",
    "link_code": "Pour voir les commandes de ce numéro dans notre chat Instagram, envoyez-y le code {code} "
    "(valable 15 minutes). Ne partagez jamais ce code.",
    "satisfaction_ask": "Comment s'est passée la commande #{order_number} ? Répondez par une note de 1 (mauvais) à 5 (excellent), avec un commentaire si vous voulez.",
    "satisfaction_email": "Comment s'est passée votre commande #{order_number} ? Choisissez une note de 1 (mauvais) à 5 (excellent) ci-dessous ; vous pourrez ajouter un commentaire avant de l'envoyer.",
    "satisfaction_thanks": "Merci pour votre avis !",
    "satisfaction_sorry": "Merci de nous l'avoir dit, et désolés que cela ne se soit pas mieux passé. Une personne de notre équipe va vous répondre.",
    "photo_update": "Bonjour {first_name} ! Voici une photo de votre commande #{order_number}.\n{caption}",
}
TOPICS = {
    "newsletters": "les newsletters",
    "cancellation fees": "les frais d'annulation",
    "passwords and logins": "les mots de passe et la connexion",
    "accounts": "les comptes clients",
    "payments": "les paiements",
    "invoices": "les factures",
    "subscriptions": "les abonnements",
    "reviews": "les avis",
    "shipping options": "les options de livraison",
    "new orders": "les nouvelles commandes",
    "that": "cela",
}
WHAT = {"refund": "remboursement", "return": "retour"}
ABOUT = " au sujet de la commande #{order_number}"
FOR_ORDER = " pour la commande #{order_number}"
SUBJECT = "{shop_name} : commande #{order_number} {status}"
