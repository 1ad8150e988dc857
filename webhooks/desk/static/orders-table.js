// All orders: a page of the shop's orders with status filter, search, paging and a selection for bulk actions.

import { BulkBar, MAX_SELECTION } from "./bulk.js";
import { STATUSES, maskedPhone, money, shopTime, statusLabel } from "./format.js";
import { Badge } from "./parts.js";
import { Loading, Section } from "./panels.js";
import { html, useState } from "./ui.js";

export function AllOrders({ state, filter, onFilter, cursors, onPage, timeZone, api, onOpen, onChanged }) {
  const [search, setSearch] = useState(filter.search);
  const [selected, setSelected] = useState(() => new Map());
  const orders = state.data?.orders ?? [];

  const toggle = (order, on) => {
    setSelected((old) => {
      const next = new Map(old);
      if (on && next.size < MAX_SELECTION) next.set(order.order_id, order.number);
      if (!on) next.delete(order.order_id);
      return next;
    });
  };
  const pageSelected = orders.length > 0 && orders.every((order) => selected.has(order.order_id));

  const filters = html`
    <div class="filters">
      <label>
        Status
        <select value=${filter.status} onChange=${(event) => onFilter({ ...filter, status: event.currentTarget.value })}>
          <option value="">All statuses</option>
          ${STATUSES.map((status) => html`<option key=${status} value=${status}>${statusLabel(status)}</option>`)}
        </select>
      </label>
      <form
        role="search"
        class="search"
        onSubmit=${(event) => {
          event.preventDefault();
          onFilter({ ...filter, search: search.trim() });
        }}
      >
        <label>
          Search
          <input
            type="search"
            placeholder="Number, name, email, phone"
            value=${search}
            onInput=${(event) => setSearch(event.currentTarget.value)}
          />
        </label>
        <button type="submit">Search</button>
      </form>
    </div>
  `;
  return html`
    <${Section} id="orders-title" title="All orders" extra=${filters}>
      <${Loading} state=${state} what="orders" />
      ${state.data && orders.length === 0 &&
      html`<p class="empty">${filter.search || filter.status ? "No orders match these filters." : "No orders yet."}</p>`}
      ${selected.size > 0 &&
      html`<${BulkBar}
        selected=${selected}
        api=${api}
        onClear=${() => setSelected(new Map())}
        onChanged=${onChanged}
      />`}
      ${orders.length > 0 &&
      html`
        <table class="rows orders">
          <thead>
            <tr>
              <th>
                <input
                  type="checkbox"
                  aria-label="Select every order on this page"
                  checked=${pageSelected}
                  onChange=${(event) => orders.forEach((order) => toggle(order, event.currentTarget.checked))}
                />
              </th>
              <th>Order</th><th>Status</th><th>Customer</th><th>Total</th><th>Placed <span class="muted">(${timeZone})</span></th><th><span class="sr-only">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            ${orders.map(
              (order) => html`
                <tr key=${order.order_id} data-order=${order.number}>
                  <td class="select">
                    <input
                      type="checkbox"
                      aria-label=${`Select order #${order.number}`}
                      checked=${selected.has(order.order_id)}
                      disabled=${!selected.has(order.order_id) && selected.size >= MAX_SELECTION}
                      onChange=${(event) => toggle(order, event.currentTarget.checked)}
                    />
                  </td>
                  <td data-label="Order"><strong>#${order.number}</strong></td>
                  <td data-label="Status"><${Badge} status=${order.status} /></td>
                  <td data-label="Customer">${order.customer.name || maskedPhone(order.customer.phone) || "—"}</td>
                  <td data-label="Total">${money(order.total, order.currency)}</td>
                  <td data-label="Placed">${shopTime(order.created_at, timeZone)}</td>
                  <td class="row-actions">
                    <button type="button" class="secondary" aria-label=${`Open order #${order.number}`} onClick=${(event) => onOpen(order.order_id, event)}>
                      Open
                    </button>
                  </td>
                </tr>
              `,
            )}
          </tbody>
        </table>
      `}
      <nav class="pager" aria-label="Pages of orders">
        <button type="button" class="secondary" disabled=${cursors.length < 2} onClick=${() => onPage(cursors.slice(0, -1))}>
          ← Newer
        </button>
        <span class="muted">Page ${cursors.length}</span>
        <button
          type="button"
          class="secondary"
          disabled=${!state.data?.next_cursor}
          onClick=${() => onPage([...cursors, state.data.next_cursor])}
        >
          Older →
        </button>
      </nav>
    <//>
  `;
}
