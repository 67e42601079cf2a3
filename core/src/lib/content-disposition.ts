/** RFC 5987 `attr-char` leaves only these unescaped; encodeURIComponent also leaves `'()*`. */
function encodeExtValue(value: string): string {
  return encodeURIComponent(value).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * `Content-Disposition: attachment` for a file name in any script (RFC 6266): `filename*` carries
 * the UTF-8 name (导出联系人.csv survives), `filename` an ASCII stand-in for old clients. Quotes,
 * backslashes, control characters and path separators never reach the header.
 */
export function attachmentDisposition(filename: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what must go
  const name = filename.replace(/[\u0000-\u001f\u007f/\\]/g, '_').trim() || 'download';
  const ascii = name.replace(/[^\u0020-\u007e]+/g, '_').replace(/"/g, "'");
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeExtValue(name)}`;
}
