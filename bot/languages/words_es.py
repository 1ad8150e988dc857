"""Spanish: the words customers use for each thing they want (see ``bot.languages.vocabulary``).

Patterns match normalised text (lowercase, no accents): "¿dónde está?" is read as "donde esta".
"""

from __future__ import annotations

_GAP = r"(?:[ ]+[\w'$#-]+){0,4}?[ ]+"

OPT_OUT_PHRASE = (
    r"^(por favor )?(baja|darme de baja)$|\b(deja|dejen|dejad|para|paren) de (enviar|mandar|escribir)\w*\b"
    r"|\bno (me )?(envies|envien|mandes|manden|escribas|escriban)\w* (mas )?(mensajes|sms|notificaciones|whatsapps?)\b"
    r"|\bno quiero (recibir )?mas (mensajes|notificaciones|sms|avisos)\b|\bdar(me)? de baja\b"
)
HUMAN = (
    r"\b(humano|persona|agente|operador|operadora|asesor|asesora|alguien|encargado|encargada|"
    r"atencion al cliente|servicio al cliente|hablar con|llamame|llamadme|llamenme|contactar con (ustedes|soporte))\b"
)
CANCEL = r"\b(cancel\w*|anul\w*|ya no (lo |la |los |las )?(quiero|necesito)|me arrepenti\w*)\b"
CANCEL_VERB = r"\b(cancel\w*|anul\w*)\b"
NEGATED_ACTION = (
    r"\bno (quiero |necesito |deseo |pienso |voy a |hace falta )?(lo |la |los |las )?"
    r"(cancel|anul|cambi|modific|devolv|reembols)\w*|\bno (el|mi|este|ese) (pedido|compra)\b"
)
CANCELLED_ALREADY = (
    r"\b(ha sido|han sido|fue|fueron|esta|estaba|estan) (cancelad|anulad)[oa]s?\b|\b(cancelaron|anularon)\b"
    r"|\bse (ha |han )?(cancelo|cancelaron|anulo|anularon|cancelad[oa]|anulad[oa])\b"
)
OTHER_ADDRESS = (
    r"\b(direccion|direcciones) de (correo|e-?mail|facturacion)\b|\bcorreo electronico\b|\be-?mail\b"
)
NOT_AN_ORDER = (
    r"\b(newsletter|boletin|suscripcion\w*|cuenta|perfil|usuario|membresia|contrato|plan|tarjeta|pagos?|"
    r"comision\w*|cargos?|seguro|contrasena|correo electronico)\b"
)
ORDER_NOUN = r"\b(pedidos?|compras?|articulos?|productos?|paquetes?|envios?|entregas?|orden|ordenes)\b"
CHANGE_ADDRESS = (
    rf"\b(cambi\w*|modific\w*|corregi\w*|correg\w*|actualiz\w*|nueva|otra|distinta|equivocada|incorrecta)\b{_GAP}"
    r"(direccion|domicilio)\b|\b(direccion|domicilio) (nueva|equivocada|incorrecta|distinta|esta mal)\b"
    r"|\bme (he )?mudado\b|\bme equivoque (de|en la|al poner la) direccion\b|\bpuse mal (la|mi) direccion\b"
)
CHANGE_ORDER = (
    rf"\b(cambi|modific|edit|correg|ajust|sustitu|reemplaz)\w*\b{_GAP}(el |mi |la )?(pedido|compra|articulos?|"
    r"productos?|talla|color|cantidad|tamano)\b"
    rf"|\b(anadir|agregar|quitar|eliminar|sacar|borrar)\w*\b{_GAP}(a|de|en|del|al) (mi |el |este |ese |un )?(pedido|compra)\b"
    r"|\bme olvide de (anadir|agregar|pedir|incluir)\b"
    rf"|\b(cambi|modific|aplaz|retras|adelant|pospon)\w*\b{_GAP}fecha de (entrega|envio)\b"
    rf"|\b(combinar|juntar|agrupar|unir)\b{_GAP}pedidos\b"
)
COMPLAINT_KINDS: tuple[tuple[str, str], ...] = (
    (
        "damaged item",
        r"\b(roto|rota|rotos|rotas|danad\w*|estropead\w*|defectuos\w*|averiad\w*|no funciona|dejo de funcionar|"
        r"golpead\w*|rajad\w*|agrietad\w*)\b",
    ),
    (
        "wrong item",
        r"\b(producto|articulo|talla|color|pedido|paquete|modelo) (equivocad|incorrect|erroneo)\w*\b"
        r"|\bno es lo que (pedi|compre)\b|\bme (enviaron|mandaron|han enviado|han mandado) (otro|otra|el equivocado)\b",
    ),
    (
        "missing item",
        r"\b(falta|faltan|faltaba|faltaban|incomplet\w*)\b|\b(caja|paquete) vaci[oa]\b|\bllego vaci[oa]\b"
        r"|\bno (me )?(he |han |ha )?(recibid[oa]s?|recibi|llegad[oa]s?|llegaron|llego) tod[oa]s\b"
        r"|\b(solo|solamente|unicamente) (me )?(llego|llegaron|ha llegado|han llegado|recibi|he recibido) "
        r"(un|una|uno|1|parte|la mitad)\b",
    ),
    (
        "not received",
        r"\b(dice|pone|aparece|figura|marca) (que )?(esta |ha sido |fue )?entregado,? pero\b"
        r"|\bnunca (me )?(llego|recibi)\b|\b(robad\w*|perdid[oa]|extraviad\w*)\b|\bdevuelto al remitente\b"
        r"|\bpero no (el|mi|los|mis|la|las) (pedido|paquete|producto|articulo|compra|envio)s?\b",
    ),
    (
        "quality",
        r"\b(mala|baja|pesima) calidad\b|\bno es como (en la foto|se describe|aparece)\b|\b(falso|falsificad\w*)\b",
    ),
    (
        "complaint",
        r"\b(queja\w*|quejarme|reclam\w*|denuncia|disputa|mala experiencia|mal servicio|pesimo servicio|"
        r"insatisfech\w*|descontent\w*|no estoy content\w*|no me gusta\w*|"
        r"problema con (mi|el|este|ese|su) (pedido|articulo|paquete|envio|producto|compra))\b",
    ),
)
REFUND_KINDS: tuple[tuple[str, str], ...] = (
    (
        "refund",
        r"\b(reembols\w*|devolucion del dinero|devolver(me)? el dinero|devuelvan (el|mi) dinero|mi dinero|"
        r"compensacion|indemnizacion|reintegro)\b",
    ),
    ("return", r"\b(devolver\w*|devolucion|devoluciones|devuelvo|cambiarlo por otro)\b"),
)
DELIVERY_TIME = (
    r"\bcuando\b(?:[ ]+[\w'-]+){0,8}?[ ]+(llega\w*|lleg\w*|recib\w*|entreg\w*|envi\w*|mand\w*|sale|saldra|"
    r"salga|tendre|estara)\b"
    r"|\b(cuanto|cuantos dias) (tiempo )?(tarda\w*|falta\w*|demora\w*|queda|se tarda)\b"
    r"|\bfecha (de|estimada de) (entrega|llegada|envio)\b|\ben cuantos dias\b"
    r"|\b(plazos?|tiempos?) de (entrega|envio)\b|\bllegara (antes|para|el)\b"
)
TRACKING = (
    r"\b(seguimiento|rastre\w*|localizador|numero de envio|transportista|mensajer\w*|correos|seur|mrw|dhl|ups|"
    r"gls|nacex|fedex)\b"
)
LIST = (
    r"\b(mis|todos mis|otros|anteriores) pedidos\b|\bhistorial de pedidos\b|\b(lista|listado) de (mis )?pedidos\b"
    r"|\bque pedidos\b|\bcuantos pedidos\b|^pedidos\W*$"
)
STATUS = (
    r"\b(donde|estado|pedido|compra|paquete|envio|enviado|entrega|entregado|llega|llego|todavia|aun|sigue|"
    r"esperando|novedades?|noticias|orden)\b"
)
THANKS = (
    r"\b(gracias|muchas gracias|mil gracias|genial|perfecto|vale|ok|okay|de acuerdo|estupendo|muy amable|"
    r"entendido)\b"
)
ASKING = r"\?|\b(donde|cuando|como|que|por que|estado|pero|no|nada|nunca|todavia|aun|sigue|tarde|retraso)\b"
GREETING = r"^(hola+|holi|buenas|buenos dias|buenas tardes|buenas noches|saludos|que tal)\b"
MENU = r"\b(ayuda|menu|opciones|que puedes hacer|que haces|como funciona)\b"
OTHER_TOPICS: tuple[tuple[str, str], ...] = (
    ("newsletters", r"\b(newsletter|boletin\w*|lista de correo|correos promocionales|publicidad)\b"),
    ("cancellation fees", r"\b(comision|cargo|penalizacion|tasa|gastos) (de|por) cancelacion\b"),
    (
        "passwords and logins",
        r"\b(contrasena|clave|iniciar sesion|inicio de sesion|acceder a mi cuenta|codigo de verificacion)\b",
    ),
    (
        "accounts",
        r"\b(crear|abrir|borrar|eliminar|cerrar|cancelar|cambiar|actualizar) (una |mi |la )?cuenta\b"
        r"|\bmi cuenta\b|\bdatos personales\b|\binformacion personal\b|\bregistrarme\b"
        rf"|\b(cambi|modific|actualiz|correg)\w*\b{_GAP}(direccion de )?(correo|e-?mail)\b|\bdireccion de (correo|e-?mail)\b",
    ),
    (
        "payments",
        r"\b(pagos?|pagar|paypal|bizum|tarjeta de credito|tarjeta de debito|tarjeta rechazada|metodos? de pago|"
        r"formas? de pago|cobr\w*|cupon\w*|vale descuento)\b"
        r"|\bcodigos? (de )?(descuento|promocional\w*|promo)\b",
    ),
    ("invoices", r"\b(facturas?|iva)\b"),
    ("subscriptions", r"\bsuscripci\w*\b"),
    ("reviews", r"\b(resena\w*|opinion|valoracion\w*|valorar)\b"),
    (
        "shipping options",
        r"\b(envian|enviais|hacen envios|haceis envios) (a|al)\b"
        r"|\b(gastos|costes?|costos?|precios?|tarifas?|opciones|metodos?|formas?) de (envio|entrega)\b"
        r"|\bcuanto (cuesta|cuestan|vale|cobran)( \w+){0,2} (envio|enviar|entrega|portes)\b",
    ),
    (
        "new orders",
        r"\b(hacer|hago|realizar|realizo) (un |otro |nuevo )?pedido\b|\bquiero comprar\b|\bcomo (puedo )?(comprar|pedir)\b"
        r"|\b(pedido|importe|compra) minim[oa]\b",
    ),
)
