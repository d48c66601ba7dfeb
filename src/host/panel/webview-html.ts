// The panel's HTML shell with its Content-Security-Policy; pure (no vscode import) so browser tests load the same page.

export interface WebviewHtmlOptions {
  /** The webview's cspSource (`webview.cspSource`); in tests, the origin that serves the files. */
  cspSource: string;
  /** A fresh random nonce per render; only scripts carrying it run. */
  nonce: string;
  /** URI of dist/webview.js. */
  scriptUri: string;
  /** URIs of the stylesheets (dist/webview.css, the codicon font css). */
  styleUris: string[];
}

const escapeAttr = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `img-src ${cspSource} data:`,
    `font-src ${cspSource}`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `script-src 'nonce-${nonce}'`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

export function webviewHtml(o: WebviewHtmlOptions): string {
  const styles = o.styleUris.map((u) => `  <link rel="stylesheet" href="${escapeAttr(u)}" />`).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <meta http-equiv="Content-Security-Policy" content="${escapeAttr(contentSecurityPolicy(o.cspSource, o.nonce))}" />
  <meta name="viewport" content="width=device-width, initial-scale=1" />
${styles}
  <title>Glassbox</title>
</head>
<body>
  <div id="app"></div>
  <script type="module" nonce="${escapeAttr(o.nonce)}" src="${escapeAttr(o.scriptUri)}"></script>
</body>
</html>
`;
}
