"""The words customers use for each thing they want: regular expressions over normalised, typo-fixed text.

Kept apart from the parser (``bot.intents``) so that the rules read as a list of decisions there and the
vocabulary can grow here. Families are written as a verb and its object wherever one word alone would be
ambiguous: "change" is an order change only with an order, an item or an address after it ("changed my
mind" is not), "cancel" is an order cancel only when its object is not a newsletter, an account or a fee.
"""

from __future__ import annotations

import re

#: Words whose misspellings are read as the word ("ordr", "trackng", "adfress"), one slip away at most.
TYPO_TARGETS = [
    "order", "orders", "tracking", "track", "where", "status", "cancel", "human", "agent", "package",
    "delivery", "shipped", "thanks", "hello", "refund", "parcel", "update", "arrive", "when", "address",
    "canceling", "cancelling", "newsletter", "payment", "account", "shipping", "rebate", "restitution",
    "complaint", "reclamation", "compensation", "charges", "change", "changes", "early", "purchase", "profile",
]  # fmt: skip
#: Real words one slip away from a target, which mean something else ("older" is not "order").
REAL_WORDS = frozenset({
    "there", "here", "ordered", "delivered", "border", "borders", "cancer", "hells", "shipper", "thank",
    "charged", "changed", "then", "were", "whence", "dress", "account", "accounts", "purchased", "purchases",
    "exchange", "exchanged", "exchanges", "charge", "chance", "chances", "early", "nearly", "yearly",
    "shopping", "skipping", "slipping", "pavement", "relate", "related", "debate", "older", "odder",
    "chancel", "cello", "hell", "jello", "chipped", "hipped", "shopped", "sipped", "skipped", "slipped",
    "snipped", "whipped", "chipping", "hipping", "sipping", "snipping", "whipping", "compliant", "crack",
    "rack", "tack", "trace", "tract", "trick", "truck", "wrack", "cracking", "racking", "tacking", "tracing",
    "tricking", "trucking", "dearly", "earl", "earls", "pearly", "hanks", "shanks", "tanks", "thinks",
    "states", "stats", "statue", "statues", "gent", "destitution", "declamation", "charger", "chargers",
})  # fmt: skip

# A gap of up to a few words, not crossing a sentence ("cancel it, not the newsletter").
_GAP = r"(?:[ ]+[\w'$#-]+){0,4}?[ ]+"

OPT_OUT_PHRASE = (
    r"^(please |pls |plz )?(stop|unsubscribe)( (it|now|please|pls|plz|already))*$"
    r"|\b(stop|quit) (sending|texting|messaging|emailing|contacting|spamming|bothering)\b"
    r"|\b(unsubscribe|opt) me\b|\b(take|remove) me (off|from)\b"
    r"|\bno more (messages|texts|sms|updates|notifications|spam)\b"
    r"|\bdon'?t (text|message|contact|email) me\b|\bdon'?t want (any )?(more )?(messages|texts|updates)\b"
    r"|\b(cancel|stop|end)( all| the| my| these| your)* (notifications|messages|texts|sms|alerts)\b"
)
HUMAN = (
    r"\b(human|person|agent|operator|representative|rep|assistant|someone|somebody|anyone|staff|manager|"
    r"customer (service|care|support|assistance)|support team|speak (to|with)|talk (to|with)|chat with|"
    r"(call|contact|reach|get in touch with) (you|your team|your support|support|the team)|"
    r"(call|phone|ring) me|call ?back|live chat)\b"
)

# -- order actions ------------------------------------------------------------------------------------------
CANCEL = (
    r"\b(cancel+(ed|ing|ation)?|cancellation|kancel|call off|changed my mind|do not want (it|this|them|that)|"
    r"don'?t want (it|this|them|that|the order|my order|my last item)|no longer (want|need)|"
    r"stop (my|the|this) order)\b"
)
CANCEL_VERB = r"\b(cancel\w*|kancel|call off)\b"
NEGATED_ACTION = (  # "don't cancel", "I don't want it cancelled"; not "I don't know how to cancel"
    r"\b(don'?t|do not|not|never|no need to|didn'?t|won'?t|shouldn'?t)"
    r"( (want|need|wish|mean|plan|intend|have)( (it|this|that|them|my order|the order))?( to)?| (be )?going to)?"
    r" (cancel|chang|modif|edit|updat|refund|return)"
    r"|\bnot (the|my|this|that|an?|any) (order|purchase)\b"
)
#: A cancel already made by someone else: news to ask about, not a request.
CANCELLED_ALREADY = r"\b(was|were|been|is|are)\b(?:[ ]+[\w'-]+){0,3}?[ ]+cancel+ed\b|\bgot cancel+ed\b|\bwhy did (you|they) cancel\b"
#: Addresses that are not where an order goes.
OTHER_ADDRESS = r"\b(e-?mail|billing|invoice|ip|web|website) address(es)?\b"
#: Things a customer may cancel or change that are not an order.
NOT_AN_ORDER = (
    r"\b(newsletters?|subscriptions?|subscribed|account|profile|user|membership|contract|plan|card|"
    r"payments?|fees?|penalt(y|ies)|charges?|insurance|password|email address)\b"
)
ORDER_NOUN = (
    r"\b(order|orders|purchase|item|items|product|products|package|parcel|article|delivery|shipment)\b"
)
_CHANGE_VERB = (
    r"(chang(e|es|ed|ing)|modif(y|ied|ying|ication)|edit(s|ed|ing)?|correct(ed|ing|ion)?|amend(ed|ing)?|"
    r"alter(ed|ing)?|adjust(ed|ing)?|swap(ped|ping)?|switch(ed|ing)?|replac(e|ed|ing)|fix(ed|ing)?)"
)
_ADDRESS = r"(address|addresses)"
CHANGE_ADDRESS = (
    rf"\b({_CHANGE_VERB}|updat(e|ed|ing)|set|set ?up|add|adding|new|different|another|other|wrong|incorrect|"
    r"old)\b"
    rf"{_GAP}{_ADDRESS}\b"
    rf"|\b{_ADDRESS}\W+(change|correction|update|modification)\b|\bmoved (house|home)\b"
    r"|\b(send|ship|deliver) it to (a |my )?(new|different|another|other|friend'?s|work|office)\b"
)
CHANGE_ORDER = (
    rf"\b{_CHANGE_VERB}\b{_GAP}(order|orders|purchase|items?|products?|articles?|something|sizes?|colou?rs?|"
    r"quantit(y|ies)|delivery (date|day|time|method|option))\b"
    rf"|\b{_CHANGE_VERB}\W+(order|purchase)\b|\bupdat(e|ing)\s+(my |the |this |that )?(order|purchase)\b"
    rf"|\b(add\w*|remov\w*|delet\w*|take out|drop)\b{_GAP}(to|from|in|into|of|on)\W+(my |the |this |that )?"
    r"(order|purchase)\b"
    r"|\b(add|include|remove|delete|take off) (an?|one|another|some|the|this|that|more|something)\b"
    r"(?:[ ]+[\w'-]+){0,2}?[ ]+(item|items|product|products|article|articles|thing|one|unit)s?\b"
    r"|\bswap(s|ped|ping)?\b|\bforgot to (add|order|include)\b|\bmissed (a|an|one|the|some) (product|item|article|thing)\b"
)

# -- problems that need a person: the kind is what staff are told ----------------------------------------------
#: Checked in this order; the first kind that matches is recorded.
COMPLAINT_KINDS: tuple[tuple[str, str], ...] = (
    (
        "damaged item",
        r"\b(damaged|broken|smashed|cracked|shattered|dented|crushed|defective|faulty|leak(ed|ing|s)|torn|"
        r"ripped|doesn'?t work|does not work|not working|stopped working|arrived (broken|damaged|in pieces))\b",
    ),
    (
        "wrong item",
        r"\b(wrong|incorrect) (item|items|size|colou?r|product|thing|order|parcel|package|article|one|model)\b"
        r"|\bnot what i ordered\b|\bsent (me )?the wrong\b|\b(delivered|sent|shipped) to the wrong\b",
    ),
    (
        "missing item",
        r"\b(missing|incomplete)\b|\b(didn'?t|did not|never) (get|receive) (all|everything|one|the rest)\b"
        r"|\bempty (box|package|parcel)\b|\b(box|package|parcel) (was|is|came|arrived) empty\b"
        r"|\b(only|just) (got|received) (one|1|part|half)\b",
    ),
    (
        "not received",
        r"\b(says|said|shows|showing|marked( as)?|status is) delivered but\b"
        r"|\b(never|wasn'?t|was not|hasn'?t been) (arrived|came|received|delivered)\b|\bnever (got|received) (it|my|the)\b"
        r"|\b(stolen|got stolen)\b|\breturned to (the )?sender\b",
    ),
    (
        "quality",
        r"\b(poor|bad|low|terrible|awful) quality\b|\bnot as (described|pictured|advertised)\b"
        r"|\b(fake|counterfeit)\b",
    ),
    (
        "complaint",
        r"\b(complain\w*|complaint|claims?|claiming|reclamation|reclamations|grievance|dispute|"
        r"(bad|terrible|awful|horrible|poor) (experience|service)|dissatisfied|not satisfied|(unhappy|not happy) with|"
        r"problems? with (my|the|this|that|your) (order|item|package|parcel|delivery|product|purchase|article))\b",
    ),
)

REFUND_KINDS: tuple[tuple[str, str], ...] = (
    (
        "refund",
        r"\b(refund\w*|reimburs\w*|money back|compensation\w*|restitution\w*|rebates?|chargeback|"
        r"credit (it )?back|pay (me )?back)\b",
    ),
    (
        "return",
        r"\b(return(ed|ing|s)?|send (it|this|them|these) back|exchang\w*)\b",
    ),
)

# -- when it will arrive ------------------------------------------------------------------------------------
DELIVERY_TIME = (
    r"\b(when|wen|what day|which day|what date|what time)\b(?:[ ]+[\w'-]+){0,8}?[ ]+"
    r"(arriv\w*|come|comes|coming|get (here|there|to me|delivered)|be (here|there|delivered|shipped|sent|"
    r"dispatched)|deliver\w*|reach\w*|receiv\w*|expect\w*|ship|ships|shipped|shipping|dispatch\w*|turn up|"
    r"show up|get (it|them|my|the))\b"
    r"|\bhow (long|soon)\b(?:[ ]+[\w'-]+){0,6}?[ ]+(take|takes|taking|arriv\w*|ship\w*|deliver\w*|until|till|"
    r"before|expect\w*|get|wait|come|reach)\b|\bhow (long|soon)\W*$|\bhow many (more )?(days|weeks)\b"
    r"|\b(eta|etas|estimated (time|date|delivery|arrival)|expected (delivery|arrival|date)|"
    r"(delivery|shipping|arrival|transit) (date|day|time|times|period|periods|estimate|window|timeframe)|"
    r"lead time|time frame|timeframe)\b"
    r"|\b(arrive|be here|get here|be delivered)\b(?:[ ]+[\w'-]+){0,3}?[ ]+(by|before|on|in time for) "
    r"(monday|tuesday|wednesday|thursday|friday|saturday|sunday|tomorrow|christmas|the weekend|next week)\b"
)

# -- questions about orders, and small talk ---------------------------------------------------------------
TRACKING = (
    r"\b(track(ing|ed|er)?|trace|courier|carrier|waybill|dhl|ups|usps|fedex|royal mail|evri|hermes|dpd|"
    r"gls|tnt)\b"
)
LIST = (
    r"\b(my|all|other|any|previous|past|recent) orders\b|\border history\b|\blist\b|\bwhat orders\b|"
    r"\bhow many orders\b|^orders\W*$"
)
STATUS = (
    r"\b(where|wheres|status|update|order|ordered|stuff|delivery|deliver(ed|y)?|arrive[ds]?|arriving|"
    r"ship|shipped|shipping|sent|send|dispatch(ed)?|when|wen|eta|late|still|waiting|wait|yet|progress|"
    r"happening|news|parcel|package|pkg|shipment|coming|received|wya|check|how long|"
    r"pedido|commande|bestellung|encomenda|ordine|orden|donde|ou est|wo ist)\b"
    r"|\b(been|over) \d+ (days|weeks)\b"
)
THANKS = (
    r"\b(thanks?|thank (you|u|ya)|thx|thnx|thanx|tks|ty|tysm|cheers|appreciated?|grateful|great|perfect|"
    r"awesome|brilliant|amazing|lovely|love (it|them|this)|cool|ok+|okay|kk|got it|noted|sweet|nice|"
    r"gracias|merci|danke|obrigad[oa]|grazie|arigato|shukran|asante|spasibo)\b"
)
ASKING = (  # a question or a complaint: "thanks, but where is it?", "still nothing, great"
    r"\?|\b(where|wheres|when|wen|how|what|whats|why|status|eta|can you|could you|pls|please|but|not|no|"
    r"nothing|never|still|yet|late|didn'?t|hasn'?t|haven'?t|isn'?t|wasn'?t)\b"
)
GREETING = (
    r"^(hi+|hello+|helo|hey+|heya|hiya|yo+|sup|wassup|whats up|good (morning|afternoon|evening|day)|"
    r"morning|evening|gm|howdy|greetings|hola|ola|oi|bonjour|salut|hallo|hej|ciao|buongiorno|bom dia|"
    r"buenos dias|buenas|guten (tag|morgen)|namaste|salaam|salam|as-?salamu alaykum|merhaba|konnichiwa|"
    r"ni hao|shalom|jambo)\b"
)
MENU = r"\b(help|menu|options|what can you do|what do you do|how does this work|commands)\b"


# -- everything else: what the bot cannot do, by topic --------------------------------------------------------
_ACCOUNT_NOUN = r"(account|accounts|profile|user|membership|login)"
_ACCOUNT_VERB = (
    r"(creat\w*|open\w*|mak\w*|delet\w*|clos\w*|remov\w*|terminat\w*|cancel\w*|deactivat\w*|edit\w*|chang\w*|"
    r"updat\w*|switch\w*|modif\w*|correct\w*|recover\w*|restor\w*|access\w*|register\w*|sign\w*|log\w*|use)"
)
#: (topic as told to the customer, pattern), checked in this order.
OTHER_TOPICS: tuple[tuple[str, str], ...] = (
    (
        "newsletters",
        r"\b(newsletters?|news letters?|mailing list|marketing (emails|messages)|promo\w* emails)\b",
    ),
    (
        "cancellation fees",
        r"\b(cancel\w*|terminat\w*|withdrawal|early exit|exit|early termination)\W+(fee|fees|penalt\w*|charg\w*)\b"
        r"|\b(fee|fees|penalt\w*|charg\w*)\W+(?:\w+\W+){0,2}?(cancel\w*|terminat\w*|exit|withdraw\w*)",
    ),
    (
        "passwords and logins",
        r"\b(password\w*|passcode|pwd|pin|pin code|access key|account key|(my|account|profile|user|the) key|"
        r"key (recovery|retrieval)|log ?in|sign ?in|locked out|two.?factor|2fa|verification code|username)\b"
        r"|\b(my|account|profile|user|the) pass\b|\bpass of\b",
    ),
    (
        "accounts",
        rf"\b{_ACCOUNT_VERB}\b{_GAP}(an? |my |the |your )?(\w+ )?{_ACCOUNT_NOUN}\b"
        rf"|\b{_ACCOUNT_NOUN} (removal|removals|termination|terminations|deletion|creation|settings|details|"
        r"info|type|registration)\b|\b(free|freemium|premium|pro|platinum|gold|standard|corporate) account\b"
        r"|\b(sign ?up|register|registration)\b|\bproblems? with (my |the )?(account|profile|registration)\b"
        r"|\b(personal|profile|account) (data|info|information|details)\b|\be-?mail address(es)?\b",
    ),
    (
        "payments",
        r"\w*payments?\b|\bpay (with|by|via|using)\b|\bpaypal\b|\b(credit|debit) card\b|\bcard (was )?declined\b"
        r"|\b(charged twice|double charged|billing|paying)\b|\b(can'?t|cannot|unable to|couldn'?t) pay\b"
        r"|\b(promo|discount|coupon|voucher) codes?\b|\b(coupons?|vouchers?)\b",
    ),
    ("invoices", r"\b(invoices?|bills?|billing|receipts?|vat)\b"),
    ("subscriptions", r"\bsubscriptions?\b"),
    ("reviews", r"\b(reviews?|feedback|rating|rate (you|your|the)|(my|an|some) opinion)\b"),
    (
        "shipping options",
        r"\b(do|does|can|will) (you|u|ya)\s*(ship|deliver|send)\w*\b(?! (it|my|the|this|that|them)\b)"
        r"|\b(shipping|shipment|delivery|postage) (method|option|cost|fee|rate|price|charge)s?\b"
        r"|\b(method|option|modalit\w*)s? (for|of) (delivery|shipment|shipping)\b"
        r"|\bhow much (is|does|for) (the )?(shipping|delivery|postage)\b"
        r"|^(shipping|shipment|delivery|deliveries) to [a-z ]+\W*$",
    ),
    (
        "new orders",
        r"\b(place|make|put in|submit) (an? |my |another )?(new )?order\b|\b(want|like) to (buy|purchase)\b"
        r"|\bhow (do|can) (i|you) (order|buy|purchase)\b|\bminimum order\b"
        r"|\b(buy|purchase) (a|an|some|several|a few|a couple|more|two|three|new)\b",
    ),
)


def first_kind(kinds: tuple[tuple[str, str], ...], text: str) -> str | None:
    """The first kind whose pattern matches ``text``, else None."""
    return next((kind for kind, pattern in kinds if re.search(pattern, text)), None)
