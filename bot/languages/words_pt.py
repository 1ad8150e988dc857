"""Portuguese (Brazil and Portugal): the words customers use for each thing they want.

Patterns match normalised text (lowercase, no accents): "cadê meu pedido?" is read as "cade meu pedido".
"""

from __future__ import annotations

_GAP = r"(?:[ ]+[\w'$#-]+){0,4}?[ ]+"

OPT_OUT_PHRASE = (
    r"^(por favor )?(sair|parar)$|\b(pare|parem|para) de (me )?(enviar|mandar)\b"
    r"|\bnao (me )?(envie|enviem|mande|mandem) mais\b|\bnao quero (receber )?mais (mensagens|notificacoes|sms)\b"
    r"|\bdescadastr\w*\b"
)
HUMAN = (
    r"\b(humano|pessoa|atendente|agente|operador|operadora|alguem|responsavel(?! pel)|atendimento (humano|ao cliente)|"
    r"falar com|me liguem?|liguem para mim)\b"
)
CANCEL = r"\b(cancel\w*|anul\w*|desist\w*|nao (quero|preciso) mais)\b"
CANCEL_VERB = r"\b(cancel\w*|anul\w*)\b"
NEGATED_ACTION = (
    r"\bnao (quero |preciso |vou |pretendo |e para )?(cancel|anul|troc|alter|mud|modific|devolv|reembols)\w*"
    r"|\bnao (o|a|meu|minha|esse|este|essa|esta) (pedido|encomenda|compra)\b"
)
CANCELLED_ALREADY = (
    r"\b(foi|foram|esta|estava|estao|sido) (cancelad|anulad)[oa]s?\b|\b(cancelaram|anularam)\b"
)
OTHER_ADDRESS = r"\b(endereco|morada) de (e-?mail|faturacao|facturacao|cobranca)\b|\be-?mail\b"
NOT_AN_ORDER = (
    r"\b(newsletter|boletim|assinatura\w*|inscricao|conta|perfil|usuario|utilizador|plano|contrato|cartao|"
    r"pagamentos?|taxas?|multa|seguro|senha|palavra-passe|e-?mail)\b"
)
ORDER_NOUN = r"\b(pedidos?|encomendas?|compras?|produtos?|artigos?|itens|item|pacotes?|entregas?|envios?)\b"
CHANGE_ADDRESS = (
    rf"\b(alter\w*|mud\w*|troc\w*|corrig\w*|atualiz\w*|actualiz\w*|nov[oa]|outr[oa]|errad[oa]|incorret[oa])\b{_GAP}"
    r"(endereco|morada)\b|\b(endereco|morada) (errad[oa]|incorret[oa]|nov[oa]|esta errad[oa])\b|\bme mudei\b"
    r"|\bmudei de casa\b|\berr(ei|ou|amos) (o |no |na |a )?(endereco|morada)\b"
)
CHANGE_ORDER = (
    rf"\b(alter|mud|troc|modific|edit|corrig|ajust|substitu)\w*\b{_GAP}(o |a |meu |minha )?(pedido|encomenda|compra|"
    r"itens|item|produtos?|artigos?|tamanho|cor|quantidade)\b"
    rf"|\b(adicion|acrescent|inclu|remov|retir|tir|exclu)\w*\b{_GAP}(a|ao|do|da|no|na|de|num|numa) "
    r"(meu |minha |o |a |esse |este |um |uma )?(pedido|encomenda|compra)\b|\besqueci de (adicionar|incluir|pedir)\b"
    rf"|\b(alter|mud|adi|antecip|remarc)\w*\b{_GAP}(a )?data de (entrega|envio)\b"
    rf"|\b(combin|junt|agrup|unir|unific)\w*\b{_GAP}(pedidos|encomendas)\b"
)
COMPLAINT_KINDS: tuple[tuple[str, str], ...] = (
    (
        "damaged item",
        r"\b(quebrad\w*|danificad\w*|estragad\w*|defeituos\w*|avariad\w*|com defeito|nao funciona|"
        r"parou de funcionar|amassad\w*|rachad\w*|partid[oa])\b",
    ),
    (
        "wrong item",
        r"\b(produto|item|artigo|tamanho|cor|pedido|encomenda) (errad|trocad|incorret)\w*\b"
        r"|\bnao e o que (eu )?(pedi|comprei|encomendei)\b|\bveio errad\w*\b|\b(enviaram|mandaram) (o |a )?errad\w*\b",
    ),
    (
        "missing item",
        r"\b(falt(a|am|ando|ou|aram)|incomplet\w*)\b|\b(caixa|pacote|embalagem) vazi[oa]\b|\bveio vazi[oa]\b"
        r"|\bnao (recebi|chegaram|vieram|veio|chegou) tod[oa]s\b"
        r"|\b(so|apenas|somente) (chegou|chegaram|recebi|veio|vieram) (um|uma|1|parte|metade)\b"
        r"|\brecebi (apenas|so|somente) (um|uma|1|parte|metade)\b",
    ),
    (
        "not received",
        r"\b(diz|consta|aparece|mostra) (que foi |como )?entregue,? mas\b|\bnunca (chegou|recebi)\b"
        r"|\b(roubad\w*|extraviad\w*|perdid[oa])\b|\bdevolvid[oa] ao remetente\b"
        r"|\bmas nao (o |a |os |as |meu |minha )?(pedido|encomenda|produto|pacote|compra|mercadoria)s?\b",
    ),
    (
        "quality",
        r"\b(pessima|ma|baixa) qualidade\b|\bnao (e|esta) como (na foto|descrito|anunciado)\b|\b(falsificad\w*|falso)\b",
    ),
    (
        "complaint",
        r"\b(reclama\w*|queixa\w*|disputa|pessima experiencia|mau atendimento|pessimo atendimento|insatisfeit\w*|"
        r"nao estou satisfeit\w*|nao gost(ei|o)|"
        r"problema com (o|a|meu|minha|esse|este|essa|esta) (pedido|encomenda|produto|compra|entrega|pacote))\b",
    ),
)
REFUND_KINDS: tuple[tuple[str, str], ...] = (
    (
        "refund",
        r"\b(reembols\w*|estorn\w*|devolucao do (dinheiro|valor)|(meu|o) dinheiro de volta|devolver o dinheiro|"
        r"ressarc\w*|compensacao|indeniza\w*|indemniza\w*)\b",
    ),
    ("return", r"\b(devolv\w*|devolucao|devolucoes|troca|trocas)\b"),
)
DELIVERY_TIME = (
    r"\bquando\b(?:[ ]+[\w'-]+){0,8}?[ ]+(cheg\w*|receb\w*|entreg\w*|envi\w*|mand\w*|sai|saira|despach\w*)\b"
    r"|\b(quanto tempo|quantos dias)\b|\b(prazos?|previsao|data) de (entrega|chegada|envio)\b|\bprevisao\b"
    r"|\bquanto (demora|leva)\b"
)
TRACKING = (
    r"\bempresa (de|responsavel pela) (entrega|transporte|envio)\b"
    r"|\b(rastre\w*|rastrei\w*|codigo de rastreio|acompanhar|acompanhamento|transportadora|correios|ctt|sedex|"
    r"dhl|ups|fedex|gls|jadlog)\b"
)
LIST = (
    r"\b(meus|todos os meus|outros|anteriores) pedidos\b|\b(minhas|todas as minhas) (encomendas|compras)\b"
    r"|\bhistorico de (pedidos|encomendas|compras)\b|\bquais pedidos\b|\bquantos pedidos\b|^(pedidos|encomendas)\W*$"
)
STATUS = (
    r"\b(onde|cade|status|estado|situacao|pedido|encomenda|compra|pacote|envio|enviado|entrega|entregue|chegou|"
    r"chega|ainda|esperando|aguardando|novidades?|noticias)\b"
)
THANKS = (
    r"\b(obrigad[oa]s?|muito obrigad[oa]|valeu|brigad[oa]|otimo|perfeito|beleza|ok|okay|certo|combinado|"
    r"show|legal|entendi)\b"
)
ASKING = r"\?|\b(onde|cade|quando|como|que|porque|por que|status|mas|nao|nada|nunca|ainda|atrasad\w*)\b"
GREETING = r"^(ola+|oi+|bom dia|boa tarde|boa noite|e ai|tudo bem|saudacoes)\b"
MENU = r"\b(ajuda|menu|opcoes|o que (voce|vc) (pode fazer|faz)|como funciona)\b"
OTHER_TOPICS: tuple[tuple[str, str], ...] = (
    ("newsletters", r"\b(newsletter|boletim|lista de e-?mails?|e-?mails promocionais|publicidade)\b"),
    ("cancellation fees", r"\b(taxa|multa|custo|cobranca) (de|por) cancelamento\b"),
    (
        "passwords and logins",
        r"\b(senha|palavra-passe|login|entrar na (minha )?conta|codigo de verificacao)\b",
    ),
    (
        "accounts",
        r"\b(criar|abrir|apagar|excluir|deletar|fechar|encerrar|cancelar|alterar|atualizar) (uma |a |minha )?conta\b"
        r"|\bminha conta\b|\bdados pessoais\b|\binformac\w* pessoa\w*|\bcadastr\w*\b"
        rf"|\b(alter|mud|troc|atualiz|corrig)\w*\b{_GAP}(endereco de )?e-?mail\b|\bendereco de e-?mail\b",
    ),
    (
        "payments",
        r"\b(pagamentos?|pagar|paypal|pix|boleto|cartao de credito|cartao de debito|cartao recusado|"
        r"formas? de pagamento|metodos? de pagamento|cobr\w*|cartao|cupo(m|ns)|vale desconto)\b"
        r"|\bcodigos? (promocional|de desconto|promo)\b",
    ),
    ("invoices", r"\b(fatura\w*|nota fiscal|recibo\w*|nf-?e)\b"),
    ("subscriptions", r"\bassinatura\w*\b"),
    ("reviews", r"\b(avaliac\w*|avaliar|opiniao)\b"),
    (
        "shipping options",
        r"\b(voces )?(entregam|enviam|fazem entregas?) (para|em|no|na)\b"
        r"|\b(custos?|valor(es)?|precos?|taxas?|opcoes|formas?|metodos?|modos?) (de|do|da|dos) (frete|envio|entrega|portes)\b"
        r"|\bquanto (custa|e|fica|sai) (o |a )?(frete|envio|entrega|portes)\b|\b(frete|portes) gratis\b",
    ),
    (
        "new orders",
        r"\b(fazer|faco|realizar|efetuar|efectuar) (um |uma |outro |outra |novo |nova )?(pedido|encomenda)\b|\bquero comprar\b"
        r"|\bcomo (posso )?(comprar|encomendar)\b|\b(valor|pedido) minimo\b|\bencomenda minima\b",
    ),
)
