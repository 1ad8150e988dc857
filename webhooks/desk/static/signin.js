// The sign-in screen: a sign-in link's token, or one pasted by hand.

import { Notice } from "./parts.js";
import { html, useState } from "./ui.js";

export function SignIn({ why, onToken }) {
  const [value, setValue] = useState("");
  return html`
    <main class="signin">
      <h1>Order desk</h1>
      ${why && html`<${Notice} tone=${why.startsWith("You signed out") ? "info" : "error"} text=${why} />`}
      <p>
        Open the sign-in link your shop's admin gave you (<code>orderbot dashboard-link --shop SHOP_ID</code> prints
        one), or paste an API token below.
      </p>
      <form
        onSubmit=${(event) => {
          event.preventDefault();
          if (value.trim()) onToken(value.trim());
        }}
      >
        <label>
          API token
          <input type="password" autocomplete="off" value=${value} onInput=${(event) => setValue(event.currentTarget.value)} />
        </label>
        <button type="submit">Sign in</button>
      </form>
    </main>
  `;
}
