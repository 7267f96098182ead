/**
 * Whether an `Accept-Encoding` header lets the answer be gzipped: `gzip` or `*` listed
 * without `q=0`. No header means identity only (RFC 9110 §12.5.3 allows any coding then,
 * but a client that sends none is usually a script that would not expect one).
 */
export function acceptsGzip(header: string | undefined): boolean {
  if (header === undefined) return false;
  let gzip: boolean | undefined;
  let any = false;
  for (const entry of header.split(',')) {
    const [coding = '', ...params] = entry.split(';').map((part) => part.trim().toLowerCase());
    const q = params.find((param) => param.startsWith('q='));
    const allowed = q === undefined || Number(q.slice(2)) > 0;
    if (coding === 'gzip' || coding === 'x-gzip') gzip = allowed;
    else if (coding === '*') any = allowed;
  }
  // An explicit gzip entry wins over the wildcard, whichever comes first.
  return gzip ?? any;
}
