/**
 * The web SDK snippets of a web app's page, as docs/integrators/web-sdk.md writes them (a test
 * compares the two): the seed's script tag (§2.1.3: `token` = writeKey, `baseDomain` = this
 * server, `appId` for pages inside WeChat) and the async loader that queues calls until the script
 * has loaded. `origin` is the server's address as the browser reaches it.
 */
export function scriptTagSnippet(origin: string, writeKey: string, appId?: string): string {
  return `<script src="${scriptUrl(origin, writeKey)}${appId ? `&appId=${appId}` : ''}"></script>`;
}

export function asyncSnippet(origin: string, writeKey: string): string {
  return [
    '<script>',
    '  !(function (w, d, u) {',
    '    var h = (w.huiliu = w.huiliu || { q: [] });',
    "    ['init', 'identify', 'track', 'page', 'reset'].forEach(function (m) {",
    '      h[m] =',
    '        h[m] ||',
    '        function () {',
    '          h.q.push([m, [].slice.call(arguments)]);',
    '        };',
    '    });',
    "    var s = d.createElement('script');",
    '    s.async = true;',
    '    s.src = u;',
    '    d.head.appendChild(s);',
    `  })(window, document, '${scriptUrl(origin, writeKey)}');`,
    '</script>',
  ].join('\n');
}

function scriptUrl(origin: string, writeKey: string): string {
  return `${origin}/sdk/huiliu.min.js?token=${encodeURIComponent(writeKey)}&baseDomain=${origin}`;
}
