// Photo updates on the order view: upload a photo with a caption, and thumbnails on the timeline.
// Images are read with the shop's token (an <img> cannot send one), then shown from a blob: URL.

import { html, useEffect, useState } from "./ui.js";

const TOKEN_KEY = "orderbot.dashboard.token";
const MAX_BYTES = 5 * 1024 * 1024;

function authorization() {
  return { Authorization: `Bearer ${sessionStorage.getItem(TOKEN_KEY) ?? ""}` };
}

const photoPath = (orderId, photoId) =>
  `/api/v1/orders/${encodeURIComponent(orderId)}/photos/${encodeURIComponent(photoId)}`;

/** Uploads one photo; resolves to `{photo_id, url}` or rejects with the server's message. */
export async function uploadPhoto(orderId, file, caption, notify) {
  const form = new FormData();
  form.append("file", file);
  if (caption) form.append("caption", caption);
  form.append("notify", notify ? "true" : "false");
  const response = await fetch(`/api/v1/orders/${encodeURIComponent(orderId)}/photos`, {
    method: "POST",
    headers: { ...authorization(), "Idempotency-Key": crypto.randomUUID() },
    body: form,
  });
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    const error = new Error(data?.error?.message ?? `The server answered ${response.status}.`);
    error.status = response.status;
    throw error;
  }
  return data;
}

/** The photo form of the order view's actions. `act(work, describe)` runs it and reloads the order. */
export function PhotoForm({ order, act }) {
  const [file, setFile] = useState(null);
  const [caption, setCaption] = useState("");
  const [notify, setNotify] = useState(true);
  const [busy, setBusy] = useState(false);
  const [key, setKey] = useState(0); // a new key clears the file input after an upload
  const tooLarge = file && file.size > MAX_BYTES;

  const submit = async (event) => {
    event.preventDefault();
    if (!file || tooLarge) return;
    setBusy(true);
    const ok = await act(
      () => uploadPhoto(order.order_id, file, caption.trim(), notify),
      () => (notify ? `Photo added to #${order.number} and sent to the customer.` : `Photo added to #${order.number}.`),
    );
    setBusy(false);
    if (ok) {
      setFile(null);
      setCaption("");
      setKey(key + 1);
    }
  };
  return html`
    <form class="action-form" aria-label="Add a photo" onSubmit=${submit}>
      <label>
        Photo (JPEG, PNG or WebP, up to 5 MB)
        <input
          key=${key}
          type="file"
          name="photo"
          accept="image/jpeg,image/png,image/webp"
          onChange=${(event) => setFile(event.currentTarget.files[0] ?? null)}
        />
      </label>
      ${tooLarge && html`<p class="field-error" role="alert">That photo is over 5 MB.</p>`}
      <label>
        Caption
        <input type="text" name="caption" maxlength="2000" value=${caption} onInput=${(e) => setCaption(e.currentTarget.value)} />
      </label>
      <label class="inline">
        <input type="checkbox" checked=${notify} onChange=${(e) => setNotify(e.currentTarget.checked)} />
        Send it to the customer
      </label>
      <button type="submit" disabled=${busy || !file || tooLarge}>Add photo</button>
    </form>
  `;
}

/** A timeline event's photo, small; it opens the full image in a new tab. */
export function PhotoThumb({ orderId, photoId }) {
  const [src, setSrc] = useState(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let url = null;
    let live = true;
    fetch(`${photoPath(orderId, photoId)}?size=thumb`, { headers: authorization() })
      .then((response) => (response.ok ? response.blob() : Promise.reject(new Error(String(response.status)))))
      .then((blob) => {
        url = URL.createObjectURL(blob);
        if (live) setSrc(url);
      })
      .catch(() => live && setFailed(true));
    return () => {
      live = false;
      if (url) URL.revokeObjectURL(url);
    };
  }, [orderId, photoId]);
  const open = async () => {
    const response = await fetch(photoPath(orderId, photoId), { headers: authorization() });
    if (response.ok) window.open(URL.createObjectURL(await response.blob()), "_blank", "noopener");
  };
  if (failed) return html`<p class="muted small">The photo could not be loaded.</p>`;
  if (!src) return html`<p class="muted small">Loading photo…</p>`;
  return html`<button type="button" class="photo-thumb" aria-label="Open the photo" onClick=${open}>
    <img src=${src} alt="Photo attached to the order" />
  </button>`;
}
