// Component tests (`// @vitest-environment jsdom`) import this first: the browser APIs Ant Design
// expects and jsdom lacks, the console's i18n (zh-CN, the default language), and the unmount of
// each test's tree (Testing Library cleans up by itself only when test globals are on).
import { cleanup } from '@testing-library/react';
import { afterEach } from 'vitest';
import '../i18n';

if (!window.matchMedia) {
  window.matchMedia = (query: string): MediaQueryList => ({
    matches: false,
    media: query,
    onchange: null,
    addListener: () => undefined,
    removeListener: () => undefined,
    addEventListener: () => undefined,
    removeEventListener: () => undefined,
    dispatchEvent: () => false,
  });
}

if (!('ResizeObserver' in window)) {
  class ResizeObserverStub {
    observe(): void {}
    unobserve(): void {}
    disconnect(): void {}
  }
  Object.assign(window, { ResizeObserver: ResizeObserverStub });
}

// jsdom implements no pseudo-elements and logs "Not implemented" for each call antd makes with one.
const getComputedStyle = window.getComputedStyle.bind(window);
window.getComputedStyle = (element: Element) => getComputedStyle(element);

// user-event sends `key` and `code` but leaves the legacy `keyCode` / `which` at 0, which browsers
// set and rc-select / rc-input-number still read (Enter picks an option or adds a tag).
const legacyKeyCodes: Record<string, number> = {
  Backspace: 8,
  Tab: 9,
  Enter: 13,
  Escape: 27,
  ' ': 32,
  ArrowLeft: 37,
  ArrowUp: 38,
  ArrowRight: 39,
  ArrowDown: 40,
  Delete: 46,
};
for (const type of ['keydown', 'keyup'] as const) {
  document.addEventListener(
    type,
    (event) => {
      const code = legacyKeyCodes[event.key];
      if (event.keyCode !== 0 || code === undefined) return;
      Object.defineProperty(event, 'keyCode', { value: code });
      Object.defineProperty(event, 'which', { value: code });
    },
    true,
  );
}

afterEach(() => cleanup());
