// The Settings screen (admin tokens only): every shop setting, saved through PATCH /api/v1/shop.
// Only what was changed is sent; secrets are write-only (left empty, they stay as they are).

import { html, useEffect, useRef, useState } from "./ui.js";
import { Notice } from "./parts.js";

// [name, label, kind, extra]: kind says how the value is shown in the form and read back from it.
const GROUPS = [
  ["Shop", [
    ["name", "Shop name", "text"],
    ["timezone", "Time zone (such as Europe/London)", "text"],
    ["default_country", "Default country for phone numbers (US, GB…)", "text"],
    ["languages", "Languages, the default first (en, es…)", "list"],
    ["tone", "Tone", "select", ["friendly", "formal"]],
    ["signature", "Signature", "text"],
  ]],
  ["Channels and staff", [
    ["sms_number", "SMS number", "text"],
    ["whatsapp_number", "WhatsApp number", "text"],
    ["instagram_id", "Instagram account id", "text"],
    ["staff_telegram_ids", "Staff Telegram ids (comma-separated)", "numbers"],
    ["staff_emails", "Staff emails (comma-separated)", "list"],
    ["shopify_secret", "Shopify webhook secret", "secret"],
    ["woocommerce_secret", "WooCommerce webhook secret", "secret"],
    ["aftership_webhook_secret", "AfterShip webhook secret", "secret"],
    ["aftership_api_key", "AfterShip API key", "secret"],
    ["easypost_webhook_secret", "EasyPost webhook secret", "secret"],
    ["easypost_api_key", "EasyPost API key", "secret"],
  ]],
  ["Customer email (SMTP)", [
    ["smtp_host", "SMTP host", "text"],
    ["smtp_port", "Port", "number"],
    ["smtp_tls", "Security", "select", ["starttls", "tls", "none"]],
    ["smtp_user", "User", "text"],
    ["smtp_password", "Password", "secret"],
    ["smtp_from", "From address", "text"],
  ]],
  ["Notifications", [
    ["quiet_hours", "Quiet hours (HH:MM-HH:MM, or off)", "text"],
    ["debounce_seconds", "Hold status updates (seconds)", "number"],
    ["nudge_wait_hours", "WhatsApp nudge waits (hours)", "number"],
    ["rates", "Send rates per second (sms=1, whatsapp=80…)", "map"],
    ["whatsapp_templates", "WhatsApp templates (shipped=HX…)", "map"],
    ["csat_delay_hours", "Ask how the order was, hours after delivery (off; empty: the default)", "text"],
  ]],
  ["Attention and auto-progression", [
    ["thresholds.pending_too_long", "Pending too long after (hours)", "threshold"],
    ["thresholds.stuck_processing", "Stuck in processing after (hours)", "threshold"],
    ["thresholds.stuck_shipped", "Stuck shipped after (hours)", "threshold"],
    ["thresholds.no_customer_contact", "No customer contact after (hours)", "threshold"],
    ["auto_progress", "Move due orders on automatically", "switch"],
    ["auto_after_hours", "Pending orders move on after (hours)", "number"],
    ["ai_confidence", "Least confidence for an automatic move (0–1)", "number"],
    ["promise_level", "Share of orders to arrive by the date told (0.5–0.99)", "number"],
  ]],
  ["Messages written by AI", [
    ["ai_messages", "Let Gemini word status updates, follow-ups and answers", "switch"],
    ["ai_daily_budget", "Gemini drafts a day (UTC)", "number"],
  ]],
];

const FIELDS = GROUPS.flatMap(([, fields]) => fields);

function shown(settings, [name, , kind]) {
  if (kind === "threshold") return String(settings.thresholds[name.split(".")[1]]);
  const value = settings[name];
  if (kind === "secret") return "";
  if (kind === "switch") return Boolean(value);
  if (kind === "list" || kind === "numbers") return value.join(", ");
  if (kind === "map") return Object.entries(value).map(([key, item]) => `${key}=${item}`).join(", ");
  return value === null || value === undefined ? "" : String(value);
}

function parts(text) {
  return text.split(",").map((part) => part.trim()).filter(Boolean);
}

function read(text, kind) {
  if (kind === "switch") return text;
  if (kind === "list") return parts(text);
  if (kind === "numbers") return parts(text).map(Number);
  if (kind === "number" || kind === "threshold") return text.trim() === "" ? null : Number(text);
  if (kind === "map") {
    return Object.fromEntries(parts(text).map((pair) => {
      const [key, ...rest] = pair.split("=");
      const value = rest.join("=").trim();
      return [key.trim(), value === "" || Number.isNaN(Number(value)) ? value : Number(value)];
    }));
  }
  return text.trim() === "" ? null : text.trim();
}

/** Only the settings the form changed, as PATCH /shop takes them (a removed map key is sent as null). */
export function changes(settings, form) {
  const patch = {};
  for (const field of FIELDS) {
    const [name, , kind] = field;
    if (form[name] === shown(settings, field)) continue;
    if (kind === "secret") {
      if (form[name] !== "") patch[name] = form[name];
      continue;
    }
    const value = read(form[name], kind);
    if (kind === "threshold") {
      patch.thresholds = { ...(patch.thresholds ?? {}), [name.split(".")[1]]: value };
    } else if (kind === "map") {
      const removed = Object.keys(settings[name]).filter((key) => !(key in value));
      patch[name] = { ...value, ...Object.fromEntries(removed.map((key) => [key, null])) };
    } else {
      patch[name] = value;
    }
  }
  return patch;
}

export function SettingsDialog({ api, onClose, onSaved }) {
  const ref = useRef(null);
  const [settings, setSettings] = useState(null);
  const [form, setForm] = useState({});
  const [notice, setNotice] = useState(null);
  const [invalid, setInvalid] = useState(null);
  const [busy, setBusy] = useState(false);

  const load = (found) => {
    setSettings(found.settings);
    setForm(Object.fromEntries(FIELDS.map((field) => [field[0], shown(found.settings, field)])));
  };
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    api.shop().then(load).catch((error) => setNotice({ tone: "error", text: error.message }));
  }, []);

  const save = async (event) => {
    event.preventDefault();
    const patch = changes(settings, form);
    if (Object.keys(patch).length === 0) {
      setNotice({ tone: "info", text: "Nothing changed." });
      return;
    }
    setBusy(true);
    try {
      const saved = await api.updateShop(patch);
      load(saved);
      setInvalid(null);
      setNotice({ tone: "ok", text: "Settings saved." });
      onSaved(saved);
    } catch (error) {
      const field = error.details?.[0]?.field?.split(".")[0] ?? null;
      setInvalid(field);
      const why = error.details?.[0]?.message ?? error.message;
      setNotice({ tone: "error", text: field ? `Not saved: ${field.replaceAll("_", " ")}: ${why}` : `Not saved: ${why}` });
    } finally {
      setBusy(false);
    }
  };

  const input = ([name, label, kind, options]) => {
    const value = form[name];
    const set = (next) => setForm((old) => ({ ...old, [name]: next }));
    const bad = invalid !== null && name.split(".")[0] === invalid;
    if (kind === "switch") {
      return html`<label class="check" key=${name}>
        <input type="checkbox" name=${name} checked=${value} onChange=${(e) => set(e.currentTarget.checked)} />
        ${label}
      </label>`;
    }
    if (kind === "select") {
      return html`<label key=${name}>${label}
        <select name=${name} value=${value} aria-invalid=${bad} onChange=${(e) => set(e.currentTarget.value)}>
          ${value === "" && html`<option value="">—</option>`}
          ${options.map((option) => html`<option value=${option}>${option}</option>`)}
        </select>
      </label>`;
    }
    const secretSet = kind === "secret" && settings[name] !== null;
    return html`<label key=${name}>${label}
      <input
        name=${name}
        type=${kind === "secret" ? "password" : kind === "number" || kind === "threshold" ? "number" : "text"}
        step="any"
        autocomplete="off"
        placeholder=${kind === "secret" ? (secretSet ? "set; type to replace" : "not set") : ""}
        value=${value}
        aria-invalid=${bad}
        onInput=${(e) => set(e.currentTarget.value)}
      />
    </label>`;
  };

  return html`
    <dialog ref=${ref} class="order-dialog settings-dialog" aria-labelledby="settings-title" onClose=${onClose}>
      <header class="dialog-head">
        <h2 id="settings-title">Settings</h2>
        <button type="button" class="icon-button" aria-label="Close settings" onClick=${() => ref.current.close()}>✕</button>
      </header>
      ${notice && html`<${Notice} tone=${notice.tone} text=${notice.text} />`}
      ${!settings && !notice && html`<p class="muted">Loading settings…</p>`}
      ${settings &&
      html`<form class="dialog-body settings-form" onSubmit=${save}>
        ${GROUPS.map(
          ([title, fields]) => html`<fieldset key=${title}>
            <legend>${title}</legend>
            ${fields.map(input)}
          </fieldset>`,
        )}
        <div class="action-row">
          <button type="submit" disabled=${busy}>Save settings</button>
        </div>
      </form>`}
    </dialog>
  `;
}
