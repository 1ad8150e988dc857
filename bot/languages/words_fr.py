"""French: the words customers use for each thing they want (see ``bot.languages.vocabulary``).

Patterns match normalised text (lowercase, no accents, plain apostrophes): "où est ma commande ?" is read
as "ou est ma commande ?".
"""

from __future__ import annotations

_GAP = r"(?:[ ]+[\w'$#-]+){0,4}?[ ]+"
_ACTION = r"(annul|modifi|chang|rembours|retourn)\w*"

OPT_OUT_PHRASE = (
    r"^(stop|arret|arreter)( svp| s'il vous plait)?$|\b(arretez|arrete|cessez) de (m'envoyer|m'ecrire|me contacter)\b"
    r"|\bne (m'envoyez|m'ecrivez|me contactez) plus\b|\bje ne veux plus (recevoir )?(de |vos )?(messages|notifications|sms)\b"
    r"|\b(desinscri|desabonn)\w*\b"
)
HUMAN = (
    r"\b(humain|personne|agent|conseiller|conseillere|operateur|operatrice|quelqu'un|responsable|service client|"
    r"parler (a|avec)|joindre|rappelez-moi|appelez-moi)\b"
)
CANCEL = r"\b(annul\w*|je ne (le |la |les )?veux plus|je n'en veux plus)\b"
CANCEL_VERB = r"\b(annul\w*)\b"
NEGATED_ACTION = (
    rf"\bne (veux|voulais|souhaite|faut|dois) pas (l'|la |le |les )?{_ACTION}|\bn'{_ACTION} pas\b"
    rf"|\bne (l'|la |le |les )?{_ACTION} pas\b|\bpas (la|ma|cette) commande\b"
)
CANCELLED_ALREADY = r"\b(ete|est|etait|sont|avez|ont|ai|a) annulee?s?\b"
OTHER_ADDRESS = r"\badresse (e-?mail|mail|electronique|de facturation)\b|\bcourriel\b|\be-?mail\b"
NOT_AN_ORDER = (
    r"\b(newsletter|lettre d'information|abonnement\w*|compte|profil|utilisateur|adhesion|contrat|forfait|carte|"
    r"paiements?|frais|penalites?|assurance|mot de passe|adresse e-?mail)\b"
)
ORDER_NOUN = r"\b(commandes?|achats?|articles?|produits?|colis|paquets?|livraisons?|envois?)\b"
CHANGE_ADDRESS = (
    rf"\b(chang\w*|modifi\w*|corrig\w*|nouvelle|autre|mauvaise|fausse)\b{_GAP}(l')?adresse\b"
    r"|\b(mettre a jour|changement d'|erreur d'|erreur dans l'|erreur dans mon )adresse\b"
    r"|\badresse (de livraison )?(erronee|incorrecte|fausse)\b|\bj'ai demenage\b"
    r"|\btrompee?s? d'adresse\b|\btrompee?s? (dans|sur) (l'|mon |ma )?adresse\b"
)
CHANGE_ORDER = (
    rf"\b(chang|modifi|corrig|ajust|remplac)\w*\b{_GAP}(la |ma |cette )?(commande|achat|articles?|produits?|taille|"
    r"couleur|quantite)\b"
    rf"|\b(ajout|retir|supprim|enlev)\w*\b{_GAP}(a|de|dans) (ma |la |cette |une )?commande\b|\bj'ai oublie d'(ajouter|commander)\b"
    rf"|\b(modifi|chang|report|decal)\w*\b{_GAP}(la )?date de livraison\b|\b(regroup|combin|fusionn)\w*\b{_GAP}commandes\b"
)
COMPLAINT_KINDS: tuple[tuple[str, str], ...] = (
    (
        "damaged item",
        r"\b(casse\w*|abime\w*|endommage\w*|defectueu\w*|ne fonctionne (pas|plus)|ne marche (pas|plus)|en panne|"
        r"fissure\w*|brise\w*|ecrase\w*)\b",
    ),
    (
        "wrong item",
        r"\b(mauvais|mauvaise) (article|produit|taille|couleur|commande|colis|modele)\b"
        r"|\b(article|produit|taille|couleur) (errone|incorrect)\w*\b|\bpas ce que j'ai commande\b"
        r"|\bm'avez envoye (le mauvais|la mauvaise|un autre)\b",
    ),
    (
        "missing item",
        r"\b(manqu\w*|incomplet\w*)\b|\b(colis|carton|boite|paquet) vide\b|\barrive vide\b"
        r"|\bn'ai recu qu'(un|une)\b|\bpas recu (tous|toutes|l'ensemble)\b|\bseulement (recu )?(un|une) (des|sur)\b",
    ),
    (
        "not received",
        r"\b(indique|marque|affiche|dit) (comme )?livre,? mais\b|\bjamais (recu|arrive)\b|\bn'est jamais arrive\w*\b"
        r"|\bje n'ai jamais recu\b|\b(vole|perdu|egare)\b|\bretourne\w* a l'expediteur\b"
        r"|\bmais (toujours )?pas (la |ma |le |mon |les |mes )?(commande|colis|article|produit|paquet|marchandise)s?\b",
    ),
    (
        "quality",
        r"\b(mauvaise|pietre) qualite\b|\bpas conforme\b|\bne correspond pas (a la description|aux photos)\b"
        r"|\b(contrefacon|faux)\b",
    ),
    (
        "complaint",
        r"\b(plainte|reclamation\w*|me plaindre|litige|mauvaise experience|mauvais service|insatisfait\w*|"
        r"pas satisfait\w*|mecontent\w*|pas content\w*|n'aime pas|ne (me )?plai(t|sent) pas|ne me convien\w* pas|"
        r"probleme avec (ma|la|cette|votre|mon|le) (commande|colis|livraison|article|produit|achat))\b",
    ),
)
REFUND_KINDS: tuple[tuple[str, str], ...] = (
    ("refund", r"\b(rembours\w*|mon argent|dedommag\w*|indemnis\w*|compensation)\b"),
    ("return", r"\b(retourn\w*|renvoyer|retour|echang\w*)\b"),
)
DELIVERY_TIME = (
    r"\bquand\b(?:[ ]+[\w'-]+){0,8}?[ ]+(arriv\w*|recev\w*|recoi\w*|livr\w*|exped\w*|envoy\w*|part\w*)\b"
    r"|\bcombien de (temps|jours)\b|\b(delai|date|jour) de livraison\b|\bdelais?\b|\bdate d'arrivee\b"
    r"|\b(quelle|quel) (date|jour)\b"
)
TRACKING = (
    r"\b(suivi|suivre|numero de suivi|tracking|transporteur|colissimo|chronopost|la poste|mondial relay|dhl|ups|"
    r"dpd|gls|fedex)\b"
)
LIST = (
    r"\b(mes|toutes mes|autres|anciennes|dernieres) commandes\b|\bhistorique (de|des) commandes\b"
    r"|\bquelles commandes\b|\bcombien de commandes\b|^commandes\W*$"
)
STATUS = (
    r"\b(ou (est|en est|sont|en sont)|statut|etat|commande|colis|paquet|livraison|livre|expedie\w*|envoye\w*|"
    r"arrive\w*|toujours|encore|attends|attente|nouvelles)\b"
)
THANKS = r"\b(merci|super|parfait|genial|d'accord|ok|okay|top|nickel|entendu|tres bien|cool)\b"
ASKING = r"\?|\b(ou|quand|comment|quoi|pourquoi|statut|mais|pas|rien|jamais|toujours|encore|retard)\b"
GREETING = r"^(bonjour|bonsoir|salut|coucou|allo)\b"
MENU = r"\b(aide|menu|options|que pouvez-vous faire|que peux-tu faire|comment ca marche)\b"
OTHER_TOPICS: tuple[tuple[str, str], ...] = (
    ("newsletters", r"\b(newsletter|lettre d'information|mailing|e-?mails? promotionnels?|publicite)\b"),
    ("cancellation fees", r"\b(frais|penalite\w*) d'annulation\b"),
    ("passwords and logins", r"\b(mot de passe|identifiant|connexion|me connecter|code de verification)\b"),
    (
        "accounts",
        r"\b(creer|ouvrir|supprimer|fermer|cloturer|annuler|modifier) (un |mon |le )?compte\b|\bmon compte\b"
        r"|\bdonnees personnelles\b|\binformations personnelles\b|\binscription\b"
        r"|\badresse (e-?mail|mail|electronique)\b|\bcourriel\b",
    ),
    (
        "payments",
        r"\b(paiements?|payer|paypal|carte bancaire|carte bleue|carte de credit|carte refusee|moyens? de paiement|"
        r"debite\w*|prelevement|coupons?|bon de reduction)\b|\bcodes? (promo\w*|de reduction|reduction)\b",
    ),
    ("invoices", r"\b(factures?|tva)\b"),
    ("subscriptions", r"\babonnement\w*\b"),
    ("reviews", r"\b(avis|evaluation)\b"),
    (
        "shipping options",
        r"\b(livrez|expediez|envoyez)-?vous (en|au|a|aux|dans)\b"
        r"|\b(frais|couts?|prix|tarifs?|options|modes?) (de|d') ?(la |l')?(livraison|port|envoi|expedition)\b"
        r"|\bcombien coute(nt)? (la |l'|le )?(livraison|envoi|expedition|port)\b",
    ),
    (
        "new orders",
        r"\b(passer|faire) (une |une autre |une nouvelle )?commande\b|\bje veux acheter\b|\bcomment (commander|acheter)\b"
        r"|\bminimum de commande\b|\bcommande minim\w*\b",
    ),
)
