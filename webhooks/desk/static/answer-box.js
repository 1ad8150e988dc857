// The answer box under a conversation: says what will happen (sent now, a template first, or refused, and
// why) before anything is sent, and sends each text once, whatever retries a lost answer needs.

import { html, useEffect, useRef, useState } from "./ui.js";
import { Notice } from "./parts.js";
import { CHANNELS } from "./format.js";

/** What staff may pick to answer on (the console is the demo's and `orderbot chat`'s, never a choice here). */
const ANSWER_CHANNELS = ["whatsapp", "sms", "instagram", "email"];
const PLAN_TONES = { send: "info", template_first: "warn", refused: "error" };

export function AnswerBox({ api, customer, orderId, onSent }) {
  const [channel, setChannel] = useState("");
  const [text, setText] = useState("");
  const [plan, setPlan] = useState(null);
  const [notice, setNotice] = useState(null);
  const [busy, setBusy] = useState(false);
  const key = useRef(null); // one key per text, so a retry after a lost answer never sends it twice

  useEffect(() => {
    let stopped = false;
    api
      .answerPlan(customer.customer_id, { channel: channel || undefined, order_id: orderId })
      .then((found) => !stopped && setPlan(found))
      .catch((error) => !stopped && error.status !== 401 && setPlan({ will: "refused", explanation: error.message }));
    return () => {
      stopped = true;
    };
  }, [customer.customer_id, channel, customer.waiting, customer.opted_out.join()]);

  const send = async (event) => {
    event.preventDefault();
    if (!text.trim()) return;
    key.current ??= crypto.randomUUID();
    setBusy(true);
    try {
      const accepted = await api.answer(
        customer.customer_id,
        { text: text.trim(), channel: channel || undefined, order_id: orderId },
        key.current,
      );
      key.current = null;
      setText("");
      setNotice({ tone: "ok", text: `Answer queued: ${accepted.plan.explanation}.` });
      await onSent();
    } catch (error) {
      if (error.status === 409) key.current = null;
      if (error.status !== 401) setNotice({ tone: "error", text: `Not sent: ${error.message}` });
    } finally {
      setBusy(false);
    }
  };
  return html`
    <form class="answer-box" aria-label="Answer the customer" onSubmit=${send}>
      <label>
        Channel
        <select value=${channel} onChange=${(event) => setChannel(event.currentTarget.value)}>
          <option value="">Their channel${customer.preferred_channel ? ` (${CHANNELS[customer.preferred_channel] ?? customer.preferred_channel})` : ""}</option>
          ${ANSWER_CHANNELS.map((value) => html`<option key=${value} value=${value}>${CHANNELS[value]}</option>`)}
        </select>
      </label>
      ${plan && html`<p class=${`answer-plan notice notice-${PLAN_TONES[plan.will] ?? "info"}`} data-will=${plan.will}>${planWords(plan)}</p>`}
      <label class="grow">
        Your answer
        <textarea rows="3" maxlength="2000" value=${text} onInput=${(event) => {
          setText(event.currentTarget.value);
          key.current = null;
        }}></textarea>
      </label>
      <button type="submit" disabled=${busy || !text.trim() || plan?.will === "refused"}>${busy ? "Sending…" : "Send answer"}</button>
      ${notice && html`<${Notice} tone=${notice.tone} text=${notice.text} onDismiss=${() => setNotice(null)} />`}
    </form>
  `;
}

function planWords(plan) {
  const words = plan.explanation.charAt(0).toUpperCase() + plan.explanation.slice(1);
  return plan.will === "refused" ? `Can't send: ${words}.` : `${words}.`;
}
