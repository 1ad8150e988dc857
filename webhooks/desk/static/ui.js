// The vendored Preact, its hooks and htm in one place: `html` templates render values as text, never HTML.

import { h, render } from "./vendor/preact-11.2.0.mjs";
import { useCallback, useEffect, useMemo, useRef, useState } from "./vendor/preact-hooks-11.2.0.mjs";
import htm from "./vendor/htm-3.1.1.mjs";

export const html = htm.bind(h);
export { render, useCallback, useEffect, useMemo, useRef, useState };
