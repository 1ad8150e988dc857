// The order desk: signs in with the shop's token, then shows the desk (desk.js) with its pages: orders
// (stats, attention queue, all orders with bulk actions, the order view) and analytics.

import { forgetToken, storeToken, takeTokenFromAddress } from "./api.js";
import { Desk } from "./desk.js";
import { SignIn } from "./signin.js";
import { html, render, useCallback, useEffect, useState } from "./ui.js";

function App() {
  const [token, setToken] = useState(() => takeTokenFromAddress());
  const [why, setWhy] = useState(null);

  // A new sign-in link opened in this tab (same page, new fragment) signs in with its token.
  useEffect(() => {
    const follow = () => {
      const fresh = takeTokenFromAddress();
      if (fresh) setToken(fresh);
    };
    window.addEventListener("hashchange", follow);
    return () => window.removeEventListener("hashchange", follow);
  }, []);

  const signOut = useCallback((reason) => {
    forgetToken();
    setToken(null);
    setWhy(reason);
  }, []);

  if (!token) {
    return html`<${SignIn}
      why=${why}
      onToken=${(value) => {
        storeToken(value);
        setWhy(null);
        setToken(value);
      }}
    />`;
  }
  return html`<${Desk}
    key=${token}
    token=${token}
    onSignOut=${() => signOut("You signed out.")}
    onRejected=${() => signOut("This sign-in link was not accepted: it is invalid, expired or revoked. Ask for a new one.")}
  />`;
}

const root = document.getElementById("root");
root.replaceChildren(); // the "Loading…" placeholder from index.html
render(html`<${App} />`, root);
