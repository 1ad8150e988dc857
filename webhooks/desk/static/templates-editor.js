// The shop's own message texts (admin): pick a text, edit it, see it rendered for a real order on its
// channel as you type, with what the platform will do with it; save it, or reset it to the default.

import { Notice } from "./parts.js";
import { html, useEffect, useRef, useState } from "./ui.js";

const PREVIEW_DELAY_MS = 300;
const STYLE_WORDS = { whatsapp: "WhatsApp", sms: "SMS", instagram: "Instagram", email: "Email", console: "Console" };
const LANGUAGE_WORDS = { en: "English", es: "Spanish", pt: "Portuguese", fr: "French", de: "German", it: "Italian" };
const words = (key) => key.replaceAll("_", " ");

function smsLine({ sms, length, max_length: limit }, style) {
  const segments = `${sms.segments} segment${sms.segments === 1 ? "" : "s"}`;
  const unit = style === "instagram" ? "bytes" : "characters"; // Meta counts UTF-8 bytes
  return `As an SMS: ${sms.encoding}, ${segments} · ${length}${limit ? ` of ${limit}` : ""} ${unit}`;
}

export function TemplateEditor({ api }) {
  const [language, setLanguage] = useState("en");
  const [texts, setTexts] = useState(null);
  const [orders, setOrders] = useState([]);
  const [pick, setPick] = useState({ kind: "order_status", status: "shipped", style: "sms" });
  const [orderId, setOrderId] = useState("");
  const [draft, setDraft] = useState("");
  const [shown, setShown] = useState(null);
  const [notice, setNotice] = useState(null);
  const [busy, setBusy] = useState(false);
  const previews = useRef(0);

  const load = async (lang) => {
    try {
      setTexts((await api.templates(lang)).templates);
    } catch (error) {
      if (error.status !== 401) setNotice({ tone: "error", text: `Could not load the message texts: ${error.message}` });
    }
  };
  useEffect(() => {
    load(language);
  }, [language]);
  useEffect(() => {
    api.orders({ limit: 25 }).then((page) => setOrders(page.orders), () => {});
  }, []);

  const entries = texts ?? [];
  const kinds = [...new Set(entries.map((t) => t.kind))];
  const statuses = [...new Set(entries.filter((t) => t.kind === pick.kind).map((t) => t.status))];
  const entry = entries.find((t) => t.kind === pick.kind && t.status === pick.status && t.style === pick.style);

  // A new text picked (or saved/reset): the box shows the text in use.
  useEffect(() => {
    if (entry) setDraft(entry.text);
  }, [entry?.kind, entry?.status, entry?.style, entry?.language, entry?.text]);

  // The live preview: the draft as it would be sent, a moment after the last keystroke.
  useEffect(() => {
    if (!entry || !draft) return undefined;
    const call = ++previews.current;
    const timer = setTimeout(async () => {
      const body = { kind: pick.kind, status: pick.status, style: pick.style, language, text: draft };
      if (orderId) body.order_id = orderId;
      try {
        const answer = await api.previewTemplate(body);
        if (call === previews.current) setShown({ answer });
      } catch (error) {
        if (call === previews.current && error.status !== 401) setShown({ error: error.message });
      }
    }, PREVIEW_DELAY_MS);
    return () => clearTimeout(timer);
  }, [draft, orderId, entry?.kind, entry?.status, entry?.style, language]);

  const choose = (change) => {
    const next = { ...pick, ...change };
    const fits = entries.some((t) => t.kind === next.kind && t.status === next.status);
    if (!fits) next.status = entries.find((t) => t.kind === next.kind)?.status ?? "any";
    setNotice(null);
    setPick(next);
  };
  const act = async (work, done) => {
    setBusy(true);
    try {
      await work();
      setNotice({ tone: "ok", text: done });
      await load(language);
    } catch (error) {
      if (error.status !== 401) setNotice({ tone: "error", text: error.message });
    } finally {
      setBusy(false);
    }
  };
  const slot = { ...pick, language };
  const save = () => act(() => api.setTemplate(slot, draft), "Saved: customers get this text from now on.");
  const reset = () => act(() => api.resetTemplate(slot), "Reset: the default text is back.");

  const answer = shown?.answer;
  return html`
    <section class="panel templates" aria-labelledby="templates-title">
      <div class="panel-head"><h2 id="templates-title">Message texts</h2></div>
      <p class="muted small">
        Every message the service sends, in your own words. Placeholders in braces are filled in for each
        customer; a line whose placeholders are all empty is left out.
      </p>
      ${notice && html`<${Notice} tone=${notice.tone} text=${notice.text} onDismiss=${() => setNotice(null)} />`}
      <form class="filters" aria-label="Choose a text" onSubmit=${(event) => event.preventDefault()}>
        <label>Message
          <select aria-label="Message" value=${pick.kind} onChange=${(e) => choose({ kind: e.currentTarget.value })}>
            ${kinds.map((k) => html`<option key=${k} value=${k}>${words(k)}</option>`)}
          </select>
        </label>
        <label>Status
          <select aria-label="Status" value=${pick.status} disabled=${statuses.length < 2} onChange=${(e) => choose({ status: e.currentTarget.value })}>
            ${statuses.map((s) => html`<option key=${s} value=${s}>${s === "any" ? "any status" : words(s)}</option>`)}
          </select>
        </label>
        <label>Channel
          <select aria-label="Channel" value=${pick.style} onChange=${(e) => choose({ style: e.currentTarget.value })}>
            ${Object.entries(STYLE_WORDS).map(([k, w]) => html`<option key=${k} value=${k}>${w}</option>`)}
          </select>
        </label>
        <label>Language
          <select aria-label="Language" value=${language} onChange=${(e) => setLanguage(e.currentTarget.value)}>
            ${Object.entries(LANGUAGE_WORDS).map(([k, w]) => html`<option key=${k} value=${k}>${w}</option>`)}
          </select>
        </label>
        <label>Preview with order
          <select aria-label="Preview with order" value=${orderId} onChange=${(e) => setOrderId(e.currentTarget.value)}>
            <option value="">A sample order</option>
            ${orders.map((o) => html`<option key=${o.order_id} value=${o.order_id}>#${o.number}</option>`)}
          </select>
        </label>
      </form>
      ${entry &&
      html`<div class="template-edit">
        <div>
          <label>Text ${entry.custom ? "(your own)" : "(default)"}
            <textarea
              rows="7"
              aria-label=${entry.custom ? "Text (your own)" : "Text (default)"}
              value=${draft} onInput=${(e) => setDraft(e.currentTarget.value)}></textarea>
          </label>
          <p class="muted small">Placeholders: ${entry.placeholders.map((p) => html`<code key=${p}>{${p}}</code> `)}</p>
          <div class="actions">
            <button type="button" disabled=${busy || !draft.trim() || draft === entry.text} onClick=${save}>Save text</button>
            <button type="button" class="secondary" disabled=${busy || !entry.custom} onClick=${reset}>Reset to default</button>
          </div>
        </div>
        <div class="template-preview" aria-live="polite">
          <h3>Preview</h3>
          ${shown?.error && html`<${Notice} tone="error" text=${shown.error} />`}
          ${answer &&
          html`${answer.subject && html`<p class="small"><strong>Subject:</strong> ${answer.subject}</p>`}
            <pre class="preview-text">${answer.text}</pre>
            <p class="small" data-sms>
              ${smsLine(answer, pick.style)}
            </p>
            ${answer.warnings.length > 0 &&
            html`<ul class="warnings">${answer.warnings.map((w) => html`<li key=${w}>${w}</li>`)}</ul>`}`}
        </div>
      </div>`}
    </section>
  `;
}
