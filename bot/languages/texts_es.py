"""Spanish: what the service says, in each platform's style (see ``bot.languages.texts``)."""

from __future__ import annotations

STATUS_WORDS = {
    "pending": "recibido y pendiente de preparar",
    "processing": "en preparación",
    "shipped": "en camino",
    "fulfilled": "entregado",
    "cancelled": "cancelado",
}
STAGE_WORDS = {
    "in_transit": "en tránsito",
    "out_for_delivery": "en reparto hoy",
    "ready_for_pickup": "listo para recoger en el punto de recogida",
    "delivery_problem": "retenido por una incidencia en la entrega",
    "delivered": "entregado, según el transportista",
}
ETA = {"delivered": "entregado", "today": "hoy"}
ARRIVAL = {
    "not_shipped": "Aún no ha salido, así que todavía no hay fecha de entrega.",
    "carrier": "No tengo una fecha exacta de entrega; el seguimiento del transportista muestra su última estimación.",
    "unknown": "Todavía no tengo una fecha exacta de entrega.",
    "estimate": "Debería llegar hacia el {likely}, y a más tardar el {arrives_by}.",
    "no_history": "Aún no hemos entregado suficientes pedidos para darte una fecha fiable.",
}
STATUS = {
    "whatsapp": "¡Hola {first_name}! Tu pedido #{order_number} está {status} ({progress} completado).\n"
    "Síguelo aquí 👉 {tracking_url}\nÚltima actualización: {last_update}",
    "instagram": "¡Hey {first_name}! Tu pedido #{order_number} está {status} ({progress} completado) ✨\n"
    "Síguelo aquí 👉 {tracking_url}\nÚltima actualización: {last_update}\n¿Algo más? Escríbeme cuando quieras 💬",
    "sms": "Pedido #{order_number}: {status} ({progress}).\nSeguimiento: {tracking_url}",
    "email": "Estimado/a {first_name}:\n\nSu pedido #{order_number} está {status} ({progress} completado).\n"
    "Importe total: {total}\nSiga su envío: {tracking_url}\n\nÚltima actualización: {last_update}\n\n"
    "Atentamente,\n{shop_name}",
    "console": "Pedido #{order_number}: {status} ({progress}).\nSeguimiento: {tracking_url}\n"
    "Última actualización: {last_update}",
    "formal": "Buenos días {first_name}:\nSu pedido #{order_number} está {status} ({progress} completado).\n"
    "Seguimiento: {tracking_url}\nÚltima actualización: {last_update}",
}
SEVERAL = {
    "chat": "Estos son tus últimos pedidos 📋\n{orders}\nResponde con un número de pedido para ver los detalles.",
    "sms": "Tus pedidos: {orders}",
    "plain": "Tus últimos pedidos:\n{orders}\nResponde con un número de pedido para ver los detalles.",
}
REPLIES = {
    "late": "Lo sentimos, puede que el pedido #{order_number} no llegue hoy como te dijimos: el transportista "
    "aún no lo ha sacado a reparto. Te avisaremos en cuanto sepamos más.",
    "delay": "Lo sentimos, el pedido #{order_number} llega con retraso: el transportista prevé entregarlo el "
    "{date}. Te avisaremos si algo cambia.",
    "no_orders": "Todavía no encuentro ningún pedido tuyo. Si compraste con otro teléfono o correo, "
    "respóndeme con tu número de pedido.",
    "unknown_order": "No encuentro el pedido #{order_number} a tu nombre. Revisa el número o responde «humano» "
    "para hablar con nuestro equipo.",
    "menu": "Puedo ayudarte con: el estado y la fecha de entrega de tu pedido (envíame el número), el seguimiento, "
    "tus pedidos, cancelar o cambiar un pedido, reembolsos y problemas, o hablar con una persona (responde «humano»).",
    "human": "Gracias, he pedido a nuestro equipo que te responda por aquí lo antes posible.",
    "cancel": "He pasado a nuestro equipo tu solicitud de cancelar el pedido #{order_number}; te lo confirmarán "
    "aquí en breve.",
    "cancel_closed": "El pedido #{order_number} ya está {status}, así que no se puede cancelar. Responde «humano» "
    "si necesitas ayuda.",
    "change": "He pasado a nuestro equipo tu solicitud de cambiar el pedido #{order_number}; una persona te "
    "confirmará aquí si todavía es posible.",
    "change_closed": "El pedido #{order_number} ya está {status}, así que no se puede cambiar. Responde «humano» "
    "si necesitas ayuda.",
    "complaint": "¡Lo sentimos mucho! Se lo he pasado a nuestro equipo{about}; una persona lo revisará y te "
    "responderá aquí.",
    "refund": "He pasado tu solicitud de {what}{about} a nuestro equipo; una persona te responderá aquí con los "
    "siguientes pasos.",
    "other": "No puedo ayudarte con {topic} en este chat. Responde «humano» para hablar con una persona, o "
    "envíame tu número de pedido para ver su estado.",
    "greeting": "¡Hola {first_name}! Envíame tu número de pedido y te digo dónde está.",
    "thanks": "¡De nada! Si necesitas algo más, aquí estoy.",
    "opted_out": "Ya no recibirás más mensajes de {shop_name} por aquí. Responde START para volver a recibirlos.",
    "opted_in": "Volverás a recibir aquí las novedades de tus pedidos de {shop_name}. Responde STOP para darte "
    "de baja.",
    "help": "Novedades de pedidos de {shop_name}. Envía tu número de pedido para ver su estado. Responde STOP "
    "para darte de baja.",
    "link_needed": "Para proteger tus pedidos, envíame el número de pedido y el correo o los 4 últimos dígitos "
    "del teléfono del pedido.",
    "linked": "¡Gracias, ya estás verificado/a! Ahora puedo informarte aquí de tus pedidos.",
    "not_linked": "Lo siento, esos datos no coinciden con ningún pedido que pueda compartir. Revísalos e "
    "inténtalo de nuevo.",
    "link_code": "Para ver los pedidos de este número en nuestro chat de Instagram, envíanos allí el código "
    "{code} (válido 15 minutos). No compartas este código con nadie.",
    "satisfaction_ask": "¿Qué tal tu pedido #{order_number}? Responde con una nota del 1 (mal) al 5 (genial) y, si quieres, un comentario.",
    "satisfaction_email": "¿Qué tal su pedido #{order_number}? Elija una nota del 1 (mal) al 5 (excelente) aquí abajo; puede añadir un comentario antes de enviarla.",
    "satisfaction_thanks": "¡Gracias por tu opinión!",
    "satisfaction_sorry": "Gracias por contárnoslo, y sentimos que no haya ido mejor. Una persona de nuestro equipo te responderá.",
    "photo_update": "¡Hola {first_name}! Aquí tienes una foto de tu pedido #{order_number}.\n{caption}",
}
TOPICS = {
    "newsletters": "las newsletters",
    "cancellation fees": "las comisiones de cancelación",
    "passwords and logins": "contraseñas e inicios de sesión",
    "accounts": "cuentas de cliente",
    "payments": "pagos",
    "invoices": "facturas",
    "subscriptions": "suscripciones",
    "reviews": "opiniones",
    "shipping options": "opciones de envío",
    "new orders": "pedidos nuevos",
    "that": "eso",
}
WHAT = {"refund": "reembolso", "return": "devolución"}
ABOUT = " sobre el pedido #{order_number}"
FOR_ORDER = " del pedido #{order_number}"
SUBJECT = "{shop_name}: pedido #{order_number} {status}"
