"""Portuguese: what the service says, in each platform's style (see ``bot.languages.texts``)."""

from __future__ import annotations

STATUS_WORDS = {
    "pending": "recebido e aguardando processamento",
    "processing": "em preparação",
    "shipped": "a caminho",
    "fulfilled": "entregue",
    "cancelled": "cancelado",
}
STAGE_WORDS = {
    "in_transit": "em trânsito",
    "out_for_delivery": "em rota de entrega hoje",
    "ready_for_pickup": "pronto para retirada no ponto de coleta",
    "delivery_problem": "parado por um problema na entrega",
    "delivered": "entregue, segundo a transportadora",
}
ETA = {"delivered": "entregue", "today": "hoje"}
ARRIVAL = {
    "not_shipped": "Ainda não foi enviado, por isso ainda não há data de entrega.",
    "carrier": "Não tenho uma data exata de entrega; o rastreio da transportadora mostra a previsão mais recente.",
    "unknown": "Ainda não tenho uma data exata de entrega.",
    "estimate": "Deve chegar por volta de {likely}, e no máximo até {arrives_by}.",
    "no_history": "Ainda não entregamos pedidos suficientes para dar uma data confiável.",
}
STATUS = {
    "whatsapp": "Oi {first_name}! Seu pedido #{order_number} está {status} ({progress} concluído).\n"
    "Acompanhe aqui 👉 {tracking_url}\nÚltima atualização: {last_update}",
    "instagram": "Olá {first_name}! Seu pedido #{order_number} está {status} ({progress} concluído) ✨\n"
    "Acompanhe aqui 👉 {tracking_url}\nÚltima atualização: {last_update}\nPrecisa de mais alguma coisa? É só "
    "mandar mensagem 💬",
    "sms": "Pedido #{order_number}: {status} ({progress}).\nRastreio: {tracking_url}",
    "email": "Prezado(a) {first_name},\n\nSeu pedido #{order_number} está {status} ({progress} concluído).\n"
    "Valor total: {total}\nAcompanhe a entrega: {tracking_url}\n\nÚltima atualização: {last_update}\n\n"
    "Atenciosamente,\n{shop_name}",
    "console": "Pedido #{order_number}: {status} ({progress}).\nRastreio: {tracking_url}\n"
    "Última atualização: {last_update}",
    "formal": "Olá {first_name},\nSeu pedido #{order_number} está {status} ({progress} concluído).\n"
    "Rastreio: {tracking_url}\nÚltima atualização: {last_update}",
}
SEVERAL = {
    "chat": "Aqui estão seus últimos pedidos 📋\n{orders}\nResponda com o número de um pedido para ver os detalhes.",
    "sms": "Seus pedidos: {orders}",
    "plain": "Seus últimos pedidos:\n{orders}\nResponda com o número de um pedido para ver os detalhes.",
}
REPLIES = {
    "late": "Desculpe, o pedido #{order_number} pode não chegar hoje como dissemos: a transportadora ainda não o "
    "colocou em rota de entrega. Avisaremos assim que soubermos mais.",
    "delay": "Desculpe, o pedido #{order_number} está atrasado: a transportadora agora prevê a entrega em "
    "{date}. Avisaremos se algo mudar.",
    "no_orders": "Ainda não encontrei nenhum pedido seu. Se você comprou com outro telefone ou e-mail, responda "
    "com o número do pedido.",
    "unknown_order": "Não encontrei o pedido #{order_number} no seu nome. Confira o número ou responda "
    '"atendente" para falar com a nossa equipe.',
    "menu": "Posso ajudar com: status e data de entrega do pedido (mande o número), rastreio, seus pedidos, "
    'cancelar ou alterar um pedido, reembolsos e problemas, ou falar com uma pessoa (responda "atendente").',
    "human": "Obrigado! Pedi à nossa equipe para responder você aqui o quanto antes.",
    "cancel": "Passei para a nossa equipe a sua solicitação de cancelamento do pedido #{order_number}; eles vão "
    "confirmar aqui em breve.",
    "cancel_closed": "O pedido #{order_number} já está {status}, por isso não pode ser cancelado. Responda "
    '"atendente" se precisar de ajuda.',
    "change": "Passei para a nossa equipe a sua solicitação de alteração do pedido #{order_number}; uma pessoa vai "
    "confirmar aqui se ainda é possível.",
    "change_closed": "O pedido #{order_number} já está {status}, por isso não pode ser alterado. Responda "
    '"atendente" se precisar de ajuda.',
    "complaint": "Sentimos muito! Passei o caso para a nossa equipe{about}; uma pessoa vai analisar e responder "
    "aqui.",
    "refund": "Passei a sua solicitação de {what}{about} para a nossa equipe; uma pessoa vai responder aqui com os "
    "próximos passos.",
    "other": 'Não consigo ajudar com {topic} neste chat. Responda "atendente" para falar com uma pessoa, ou '
    "mande o número do pedido para ver o status.",
    "greeting": "Oi {first_name}! Mande o número do seu pedido que eu digo onde ele está.",
    "thanks": "De nada! Se precisar de mais alguma coisa, é só chamar.",
    "opted_out": "Você não vai mais receber mensagens da {shop_name} por aqui. Responda START para voltar a "
    "receber.",
    "opted_in": "Você vai voltar a receber aqui as atualizações dos pedidos da {shop_name}. Responda STOP para sair.",
    "help": "Atualizações de pedidos da {shop_name}. Mande o número do pedido para ver o status. Responda STOP "
    "para sair.",
    "link_needed": "Para proteger seus pedidos, mande o número do pedido e o e-mail ou os 4 últimos dígitos do "
    "telefone usado no pedido.",
    "linked": "Obrigado, você foi verificado(a)! Agora posso falar sobre seus pedidos aqui.",
    "not_linked": "Desculpe, esses dados não correspondem a um pedido que eu possa compartilhar. Confira e tente "
    "de novo.",
    "link_code": "Para ver os pedidos deste número no nosso chat do Instagram, envie lá o código {code} (válido "
    "por 15 minutos). Nunca compartilhe este código com ninguém.",
    "satisfaction_ask": "Como correu a encomenda #{order_number}? Responde com uma nota de 1 (mau) a 5 (ótimo) e, se quiseres, um comentário.",
    "satisfaction_email": "Como correu a sua encomenda #{order_number}? Escolha uma nota de 1 (mau) a 5 (ótimo) abaixo; pode juntar um comentário antes de a enviar.",
    "satisfaction_thanks": "Obrigado pela tua opinião!",
    "satisfaction_sorry": "Obrigado por nos dizeres, e lamentamos que não tenha corrido melhor. Uma pessoa da nossa equipa vai responder-te.",
    "photo_update": "Olá {first_name}! Aqui está uma foto da sua encomenda #{order_number}.\n{caption}",
}
TOPICS = {
    "newsletters": "newsletters",
    "cancellation fees": "taxas de cancelamento",
    "passwords and logins": "senhas e login",
    "accounts": "contas de cliente",
    "payments": "pagamentos",
    "invoices": "faturas e notas fiscais",
    "subscriptions": "assinaturas",
    "reviews": "avaliações",
    "shipping options": "opções de envio",
    "new orders": "novos pedidos",
    "that": "isso",
}
WHAT = {"refund": "reembolso", "return": "devolução"}
ABOUT = " sobre o pedido #{order_number}"
FOR_ORDER = " do pedido #{order_number}"
SUBJECT = "{shop_name}: pedido #{order_number} {status}"
